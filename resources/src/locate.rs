//! Finds the line and column of a field path (`spec.ingress[1].ports[0]`) in a
//! YAML document's text, so validation errors point where the user must edit.
//! Best effort over block-style YAML: when a step cannot be found, the deepest
//! position found so far is returned.

struct Line<'a> {
    indent: usize,
    body: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .map(|l| {
            let body = l.trim_start();
            Line {
                indent: l.len() - body.len(),
                body,
            }
        })
        .collect()
}

/// Splits `ports[0]` into (`ports`, Some(0)).
fn split_index(step: &str) -> (&str, Option<usize>) {
    match step.strip_suffix(']').and_then(|s| s.split_once('[')) {
        Some((key, index)) => (key, index.parse().ok()),
        None => (step, None),
    }
}

/// Column (0-based, in the body) of `key:` as a mapping key at or after `start`.
fn key_column(body: &str, key: &str, start: usize) -> Option<usize> {
    let pattern = format!("{key}:");
    let after_dash = body.strip_prefix("- ").map_or(0, |_| 2);
    if start == 0 && body[after_dash..].starts_with(&pattern) {
        return Some(after_dash);
    }
    let rest = body.get(start..)?;
    ["{", ", ", "{ "]
        .iter()
        .filter_map(|sep| {
            rest.find(&format!("{sep}{pattern}"))
                .map(|i| start + i + sep.len())
        })
        .min()
}

/// 1-based (line, column) of `path` inside `text`.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let lines = lines(text);
    let mut from = 0;
    let mut from_col = 0;
    let mut min_indent = 0;
    let mut found = None;
    for step in path.split('.') {
        let (key, index) = split_index(step);
        let hit = (from..lines.len()).find_map(|i| {
            let l = &lines[i];
            if l.indent < min_indent && i > from {
                return Some(None);
            }
            let start = if i == from { from_col } else { 0 };
            key_column(l.body, key, start).map(|c| Some((i, c)))
        });
        let Some(Some((line, col))) = hit else { break };
        found = Some((line + 1, lines[line].indent + col + 1));
        // A flow mapping continues on the same line; a block mapping below it.
        from = line;
        from_col = col + key.len() + 1;
        min_indent = lines[line].indent + 1;
        if let Some(n) = index {
            let parent = lines[line].indent;
            // Items sit deeper than their key, or at its depth (Kubernetes style).
            let inside = |i: usize| lines[i].indent > parent || lines[i].body.starts_with("- ");
            let items: Vec<usize> = (line + 1..lines.len())
                .take_while(|&i| lines[i].indent >= parent && inside(i))
                .filter(|&i| lines[i].body.starts_with("- "))
                .collect();
            let first_indent = items.first().map(|&i| lines[i].indent);
            let Some(&item) = items
                .iter()
                .filter(|&&i| Some(lines[i].indent) == first_indent)
                .nth(n)
            else {
                break;
            };
            found = Some((item + 1, lines[item].indent + 1));
            from = item;
            from_col = 0;
            min_indent = lines[item].indent;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "\
apiVersion: terrace.io/v1
kind: NetworkPolicy
metadata:
  name: p
spec:
  selector: app == 'web'
  ingress:
    - action: Allow
      protocol: TCP
    - action: Allow
      destination:
        ports: [80, 'http']
  egress:
  - action: Deny
";

    #[test]
    fn finds_keys_and_list_items() {
        let cases = [
            ("spec.selector", Some((6, 3))),
            ("spec.ingress", Some((7, 3))),
            ("spec.ingress[1]", Some((10, 5))),
            ("spec.ingress[1].destination.ports", Some((12, 9))),
            ("spec.ingress[0].protocol", Some((9, 7))),
            ("spec.egress[0].action", Some((14, 5))),
            ("metadata.name", Some((4, 3))),
            ("spec.nothing", Some((5, 1))),
        ];
        for (path, want) in cases {
            assert_eq!(locate(POLICY, path), want, "{path}");
        }
    }

    #[test]
    fn flow_style_keys_are_found_on_their_line() {
        assert_eq!(
            locate("spec: {cidr: 10.0.0.1/8}\n", "spec.cidr"),
            Some((1, 8))
        );
    }
}
