//! End-to-end tests of the HTTP app and the CLI, each on a fresh PostgreSQL database.
//! One test binary keeps link times down.

#![expect(clippy::expect_used, reason = "a test fails loudly, with the reason, when its set-up cannot work")]

mod support;

mod api;
mod architecture;
mod assets;
mod attacks;
mod audit_log;
mod cli;
mod hostile;
mod integrations;
mod matrix;
mod notifications;
mod rotation;
mod security;
mod setup;
mod shell;
mod sign_in;
mod startup;
mod team;
mod two_factor;
mod usage;
mod use_cases;
mod webhooks;
