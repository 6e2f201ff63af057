//! Private Integrations: a self-hostable dashboard where agency and sub-account admins
//! create scoped API tokens for third-party developers and manage their whole life.
//!
//! The layout follows the data flow of a request: [`web`] (dashboard) and [`api`]
//! (tokens) extract and authenticate, [`domain`] types parse the input, a use case of
//! [`app`] decides access (in [`domain::access`]) and runs one transaction through [`db`],
//! then [`routes`] or [`api`] render a page, a redirect or JSON. `ARCHITECTURE.md` says
//! what may import what.

pub mod api;
pub mod app;
pub mod assets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod web;
