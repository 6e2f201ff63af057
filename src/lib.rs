//! Private Integrations: a self-hostable dashboard where agency and sub-account admins
//! create scoped API tokens for third-party developers and manage their whole life.
//!
//! The layout follows the data flow of a request: [`web`] extracts and authenticates,
//! [`domain`] parses and decides (pure, no I/O), [`db`] runs one transaction, and
//! [`routes`] renders a page or redirects.

pub mod api;
pub mod assets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod web;
