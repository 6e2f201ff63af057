//! The scope catalog (SPEC §3a): scopes named `area.readonly` / `area.write`, grouped by
//! product area, each available at agency level, sub-account level, or both. The
//! built-in default is HighLevel's catalog; an operator may replace it with a file of the
//! same shape. A scope an integration holds that the catalog no longer has is "unknown"
//! and grants nothing.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;

/// The built-in catalog.
pub const DEFAULT_CATALOG: &str = include_str!("../../catalog/default-scopes.toml");

/// Where a scope may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Level {
    /// On an agency's integrations.
    #[serde(rename = "agency")]
    Agency,
    /// On a sub-account's integrations.
    #[serde(rename = "sub-account")]
    SubAccount,
}

/// One scope as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopeInfo {
    /// What a developer asks for, e.g. `locations.readonly`.
    pub name: String,
    /// A short human label, e.g. "View locations".
    pub label: String,
    /// One line on what it allows.
    pub description: String,
    /// Where it may be granted.
    pub levels: Vec<Level>,
}

/// A product area and its scopes, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Area {
    /// Its name, e.g. "Locations".
    pub name: String,
    /// Its scopes.
    #[serde(rename = "scope", default)]
    pub scopes: Vec<ScopeInfo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(rename = "area")]
    areas: Vec<Area>,
}

/// A validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    areas: Vec<Area>,
    index: HashMap<String, (usize, usize)>,
}

/// Why a catalog file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not valid TOML of the expected shape.
    #[error("not a valid scope catalog: {0}")]
    Syntax(String),
    /// Valid shape, invalid content.
    #[error("{0}")]
    Invalid(String),
}

impl Catalog {
    /// The built-in default catalog.
    pub fn builtin() -> Self {
        #[expect(clippy::expect_used, reason = "the built-in catalog is checked by the tests")]
        Self::parse(DEFAULT_CATALOG).expect("the built-in catalog is valid")
    }

    /// Parses and validates a catalog file.
    pub fn parse(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|error| CatalogError::Syntax(error.to_string()))?;
        let mut index = HashMap::new();
        let mut area_names = BTreeSet::new();
        for (area_index, area) in file.areas.iter().enumerate() {
            if area.name.trim().is_empty() {
                return Err(CatalogError::Invalid(format!("area #{} has no name", area_index + 1)));
            }
            if !area_names.insert(area.name.as_str()) {
                return Err(CatalogError::Invalid(format!("area {:?} appears twice", area.name)));
            }
            if area.scopes.is_empty() {
                return Err(CatalogError::Invalid(format!("area {:?} has no scopes", area.name)));
            }
            for (scope_index, scope) in area.scopes.iter().enumerate() {
                let valid_name = !scope.name.is_empty()
                    && scope.name.contains('.')
                    && scope.name.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"._/-".contains(&byte));
                if !valid_name {
                    return Err(CatalogError::Invalid(format!(
                        "scope {:?} in area {:?}: names look like `area.readonly` (letters, digits, . _ / -)",
                        scope.name, area.name
                    )));
                }
                if scope.label.trim().is_empty() || scope.description.trim().is_empty() {
                    return Err(CatalogError::Invalid(format!(
                        "scope {:?} needs a label and a description",
                        scope.name
                    )));
                }
                if scope.levels.is_empty() {
                    return Err(CatalogError::Invalid(format!(
                        "scope {:?} needs levels = [\"agency\"], [\"sub-account\"] or both",
                        scope.name
                    )));
                }
                if index.insert(scope.name.clone(), (area_index, scope_index)).is_some() {
                    return Err(CatalogError::Invalid(format!("scope {:?} appears twice", scope.name)));
                }
            }
        }
        if index.is_empty() {
            return Err(CatalogError::Invalid("the catalog has no scopes".into()));
        }
        Ok(Self { areas: file.areas, index })
    }

    /// The scope of this name, if the catalog has it.
    pub fn get(&self, name: &str) -> Option<&ScopeInfo> {
        self.index.get(name).map(|&(area, scope)| &self.areas[area].scopes[scope])
    }

    /// Whether `name` may be granted at `level`.
    pub fn allows(&self, name: &str, level: Level) -> bool {
        self.get(name).is_some_and(|scope| scope.levels.contains(&level))
    }

    /// The areas with only the scopes grantable at `level`, empty areas dropped.
    pub fn for_level(&self, level: Level) -> Vec<Area> {
        self.areas
            .iter()
            .map(|area| Area {
                name: area.name.clone(),
                scopes: area.scopes.iter().filter(|scope| scope.levels.contains(&level)).cloned().collect(),
            })
            .filter(|area| !area.scopes.is_empty())
            .collect()
    }

    /// Every scope, for tests and tools.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the catalog is empty (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// A set of scopes chosen for an integration: non-empty, known, grantable at the level,
/// without duplicates, in catalog-independent sorted order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSet(Vec<String>);

impl ScopeSet {
    /// Checks the chosen scopes against the catalog and the level.
    pub fn parse(chosen: &[String], catalog: &Catalog, level: Level) -> Result<Self, String> {
        let unique: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();
        if unique.is_empty() {
            return Err("Choose at least one scope.".into());
        }
        let refused: Vec<&str> = unique.iter().copied().filter(|name| !catalog.allows(name, level)).collect();
        if !refused.is_empty() {
            let level = match level {
                Level::Agency => "an agency",
                Level::SubAccount => "a sub-account",
            };
            return Err(format!("Not available for {level} integration: {}.", refused.join(", ")));
        }
        Ok(Self(unique.into_iter().map(str::to_owned).collect()))
    }

    /// The scope names.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Into the names.
    pub fn into_names(self) -> Vec<String> {
        self.0
    }
}

/// What changed between two scope lists: (added, removed), each sorted.
pub fn diff(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let before: BTreeSet<&String> = before.iter().collect();
    let after: BTreeSet<&String> = after.iter().collect();
    (
        after.difference(&before).map(|name| (*name).clone()).collect(),
        before.difference(&after).map(|name| (*name).clone()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_is_highlevels() {
        let catalog = Catalog::builtin();
        let agency: usize = catalog.for_level(Level::Agency).iter().map(|area| area.scopes.len()).sum();
        assert_eq!(agency, 21, "HighLevel's agency picker offers 21 scopes");
        assert!(catalog.allows("locations.readonly", Level::Agency));
        assert!(catalog.allows("locations.readonly", Level::SubAccount));
        assert!(catalog.allows("locations.write", Level::Agency));
        assert!(!catalog.allows("locations.write", Level::SubAccount));
        assert!(catalog.allows("contacts.write", Level::SubAccount));
        assert!(!catalog.allows("contacts.write", Level::Agency));
        assert!(catalog.get("oauth.write").is_none(), "OAuth scopes are not for private integrations");
        assert_eq!(
            catalog.get("locations/customValues.readonly").map(|s| s.levels.clone()),
            Some(vec![Level::SubAccount])
        );
    }

    #[test]
    fn invalid_catalogs_say_what_is_wrong() {
        let cases = [
            ("area = 1", "not a valid scope catalog"),
            ("[[area]]\nname = \"A\"\n", "has no scopes"),
            (
                "[[area]]\nname = \"A\"\n[[area.scope]]\nname = \"a b\"\nlabel = \"L\"\ndescription = \"D\"\nlevels = [\"agency\"]\n",
                "names look like",
            ),
            (
                "[[area]]\nname = \"A\"\n[[area.scope]]\nname = \"a.readonly\"\nlabel = \"L\"\ndescription = \"D\"\nlevels = []\n",
                "needs levels",
            ),
            (
                "[[area]]\nname = \"A\"\n[[area.scope]]\nname = \"a.readonly\"\nlabel = \"L\"\ndescription = \"D\"\nlevels = [\"agency\"]\n[[area.scope]]\nname = \"a.readonly\"\nlabel = \"L\"\ndescription = \"D\"\nlevels = [\"agency\"]\n",
                "appears twice",
            ),
            (
                "[[area]]\nname = \"A\"\n[[area.scope]]\nname = \"a.readonly\"\nlabel = \"L\"\ndescription = \"D\"\nlevels = [\"galaxy\"]\n",
                "not a valid scope catalog",
            ),
        ];
        for (text, message) in cases {
            let error = Catalog::parse(text).expect_err(text).to_string();
            assert!(error.contains(message), "{text}\n→ {error}");
        }
    }

    #[test]
    fn scope_sets_must_be_known_allowed_at_the_level_and_non_empty() {
        let catalog = Catalog::builtin();
        let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
        assert_eq!(ScopeSet::parse(&[], &catalog, Level::Agency), Err("Choose at least one scope.".into()));
        assert_eq!(
            ScopeSet::parse(&names(&["contacts.write", "nope.readonly"]), &catalog, Level::Agency),
            Err("Not available for an agency integration: contacts.write, nope.readonly.".into())
        );
        let set = ScopeSet::parse(
            &names(&["users.readonly", "locations.readonly", "users.readonly"]),
            &catalog,
            Level::SubAccount,
        )
        .expect("valid");
        assert_eq!(set.names(), ["locations.readonly", "users.readonly"]);
    }

    #[test]
    fn diff_lists_added_and_removed() {
        let before = vec!["a.readonly".to_owned(), "b.readonly".to_owned()];
        let after = vec!["b.readonly".to_owned(), "c.write".to_owned()];
        assert_eq!(diff(&before, &after), (vec!["c.write".to_owned()], vec!["a.readonly".to_owned()]));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_catalog_or_an_error_never_a_panic(text in "\\PC*") {
            let _ = Catalog::parse(&text);
        }

        #[test]
        fn catalog_like_text_is_a_catalog_or_an_error_never_a_panic(
            name in "[a-z./_-]{0,12}",
            levels in proptest::collection::vec(proptest::sample::select(vec!["agency", "sub-account", "x"]), 0..3),
            label in "\\PC{0,8}",
        ) {
            let levels: Vec<String> = levels.iter().map(|level| format!("{level:?}")).collect();
            let text = format!(
                "[[area]]\nname = \"A\"\n[[area.scope]]\nname = {name:?}\nlabel = {label:?}\ndescription = \"D\"\nlevels = [{}]\n",
                levels.join(", ")
            );
            if let Ok(catalog) = Catalog::parse(&text) {
                proptest::prop_assert!(catalog.get(&name).is_some());
            }
        }

        #[test]
        fn a_scope_set_holds_only_known_scopes_allowed_at_its_level(
            chosen in proptest::collection::vec("[a-z./_]{1,24}", 0..6),
        ) {
            let catalog = Catalog::builtin();
            if let Ok(set) = ScopeSet::parse(&chosen, &catalog, Level::Agency) {
                proptest::prop_assert!(set.names().iter().all(|name| catalog.allows(name, Level::Agency)));
            }
        }
    }
}
