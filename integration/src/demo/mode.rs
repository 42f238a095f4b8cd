//! How the demo attaches its containers: with real podman when podman works
//! on this machine, else by driving the CNI plugin itself exactly as a
//! runtime would. The decision is pure; the check behind it is
//! [`crate::Lab::start_podman`] (podman and runc installed, a throwaway
//! container runs).

/// What the user asked for (`--containers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Requested {
    /// podman if it works here, else the plugin driven directly.
    Auto,
    /// podman, or fail.
    Podman,
    /// The plugin driven directly, without checking for podman.
    Cni,
}

/// How the containers are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// podman runs them; its CNI backend calls the terrace plugin.
    Podman,
    /// The demo creates their namespaces and calls the plugin itself.
    Direct {
        /// Why podman is not used.
        why: String,
    },
}

/// The podman check's outcome: `None` when it did not run,
/// `Some(Err(reason))` when podman does not work here.
pub type Check = Option<Result<(), String>>;

/// Whether the podman check has to run at all.
pub fn wants_podman(requested: Requested) -> bool {
    requested != Requested::Cni
}

/// `--containers podman` asked for something this machine cannot give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    /// The podman check failed, for this reason.
    #[error("podman does not work here: {0}")]
    PodmanBroken(String),
    /// The podman check was skipped.
    #[error("podman was not checked")]
    PodmanUnchecked,
}

/// The mode for `requested`, given the podman check's outcome. An error
/// when podman was demanded and does not work.
pub fn decide(requested: Requested, podman: Check) -> Result<Mode, ModeError> {
    match (requested, podman) {
        (Requested::Cni, _) => Ok(Mode::Direct {
            why: "--containers cni".to_owned(),
        }),
        (_, Some(Ok(()))) => Ok(Mode::Podman),
        (Requested::Podman, Some(Err(why))) => Err(ModeError::PodmanBroken(why)),
        (Requested::Podman, None) => Err(ModeError::PodmanUnchecked),
        // Auto falls back to driving the plugin, saying why.
        (Requested::Auto, Some(Err(why))) => Ok(Mode::Direct {
            why: ModeError::PodmanBroken(why).to_string(),
        }),
        (Requested::Auto, None) => Ok(Mode::Direct {
            why: ModeError::PodmanUnchecked.to_string(),
        }),
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Podman => f.write_str(
                "podman containers; podman's CNI backend calls the terrace plugin in each host's \
                 namespace",
            ),
            Self::Direct { why } => write!(
                f,
                "the terrace plugin driven directly, as a runtime drives it ({why})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_follows_the_request_and_the_podman_check() {
        let works = || Some(Ok(()));
        let broken = || Some(Err("runc not found".to_owned()));
        let direct = |why: &str| {
            Ok(Mode::Direct {
                why: why.to_owned(),
            })
        };
        let cases: Vec<(Requested, Check, Result<Mode, ModeError>)> = vec![
            (Requested::Auto, works(), Ok(Mode::Podman)),
            (
                Requested::Auto,
                broken(),
                direct("podman does not work here: runc not found"),
            ),
            (Requested::Auto, None, direct("podman was not checked")),
            (Requested::Podman, works(), Ok(Mode::Podman)),
            (
                Requested::Podman,
                broken(),
                Err(ModeError::PodmanBroken("runc not found".to_owned())),
            ),
            (Requested::Podman, None, Err(ModeError::PodmanUnchecked)),
            (Requested::Cni, works(), direct("--containers cni")),
            (Requested::Cni, broken(), direct("--containers cni")),
            (Requested::Cni, None, direct("--containers cni")),
        ];
        for (requested, check, want) in cases {
            assert_eq!(
                decide(requested, check.clone()),
                want,
                "{requested:?} {check:?}"
            );
        }
    }

    #[test]
    fn only_cni_skips_the_podman_check() {
        assert!(wants_podman(Requested::Auto));
        assert!(wants_podman(Requested::Podman));
        assert!(!wants_podman(Requested::Cni));
    }

    #[test]
    fn the_printed_mode_says_who_calls_the_plugin_and_why() {
        assert!(Mode::Podman.to_string().contains("podman's CNI backend"));
        let d = Mode::Direct {
            why: "podman does not work here: runc not found".into(),
        };
        assert!(d.to_string().contains("driven directly") && d.to_string().contains("runc"));
    }
}
