//! The domain: types that can only hold valid values, and the rules of the product as
//! pure functions. Nothing here does I/O or knows about HTTP or SQL.

pub mod access;
pub mod audit;
pub mod contacts;
pub mod events;
pub mod ids;
pub mod integration;
pub mod people;
pub mod random;
pub mod rotation;
pub mod scopes;
pub mod tenancy;
pub mod token;
pub mod two_factor;
pub mod usage;
pub mod webhooks;
