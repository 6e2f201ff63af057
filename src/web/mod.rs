//! The dashboard's HTTP plumbing: sessions, CSRF and security headers, the signed-in-user
//! extractors, page rendering and the error pages. Route handlers live in
//! [`crate::routes`]; the use cases they call in [`crate::app`].

pub mod client;
pub mod compress;
pub mod csrf;
pub mod current;
pub mod error;
pub mod error_pages;
pub mod forms;
pub mod pages;
pub mod reveal;
pub mod security;
pub mod session;
pub mod sudo;
