//! Typed identifiers: an agency id can never be passed where a sub-account id belongs.
//! They are UUIDs; new ones are made where rows are inserted, and the database layer maps
//! them to `uuid` columns (`crate::db::mapping`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies an agency.
    AgencyId
);
id_type!(
    /// Identifies a sub-account (a location) of an agency.
    SubAccountId
);
id_type!(
    /// Identifies a user.
    UserId
);
id_type!(
    /// Identifies a private integration.
    IntegrationId
);
id_type!(
    /// Identifies one token of an integration.
    TokenId
);
id_type!(
    /// Identifies a contact of a sub-account.
    ContactId
);
id_type!(
    /// Identifies a webhook endpoint.
    EndpointId
);
