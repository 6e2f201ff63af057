//! An operator's scope catalog file: parsing never panics, and a catalog that parses
//! answers for every scope it lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_integrations::domain::scopes::{Catalog, Level};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(catalog) = Catalog::parse(text)
    {
        for level in [Level::Agency, Level::SubAccount] {
            for area in catalog.for_level(level) {
                for scope in area.scopes {
                    assert!(catalog.allows(&scope.name, level));
                }
            }
        }
    }
});
