//! Node registration: which address this host's BGP speaker uses, and the
//! Node resource that tells every other host about it.

pub mod autodetect;
pub mod host;
pub mod register;

pub use autodetect::{HostAddress, Method, choose_address};
pub use register::{RegisterError, Registration, register};
