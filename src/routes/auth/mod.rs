//! Signing in and out, and the one-time set-up of a new installation.

pub mod setup;
pub mod sign_in;
pub mod sign_out;
pub mod two_factor;
