//! How domain types are stored: identifiers as `uuid` columns, roles, token states and
//! audit actions as text. The domain knows nothing of the database; this module teaches
//! diesel about the domain's types.

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::ids::{AgencyId, ContactId, EndpointId, IntegrationId, SubAccountId, TokenId, UserId};

/// A fresh random identifier for a row about to be inserted.
pub fn new_id<T: From<Uuid>>() -> T {
    T::from(Uuid::new_v4())
}

/// Teaches diesel an identifier newtype: stored as `uuid`, bound wherever a `Uuid` is.
macro_rules! uuid_column {
    ($($name:ident),+) => {$(
        impl ToSql<SqlUuid, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(&self.0, out)
            }
        }

        impl ToSql<Nullable<SqlUuid>, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<SqlUuid, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map(Self)
            }
        }

        impl Queryable<SqlUuid, Pg> for $name {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<SqlUuid> for $name {
            type Expression = <Uuid as AsExpression<SqlUuid>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <Uuid as AsExpression<SqlUuid>>::as_expression(self.0)
            }
        }

        impl AsExpression<Nullable<SqlUuid>> for $name {
            type Expression = <Uuid as AsExpression<Nullable<SqlUuid>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <Uuid as AsExpression<Nullable<SqlUuid>>>::as_expression(self.0)
            }
        }

        impl<'a> AsExpression<SqlUuid> for &'a $name {
            type Expression = <&'a Uuid as AsExpression<SqlUuid>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a Uuid as AsExpression<SqlUuid>>::as_expression(&self.0)
            }
        }

        impl<'a> AsExpression<Nullable<SqlUuid>> for &'a $name {
            type Expression = <&'a Uuid as AsExpression<Nullable<SqlUuid>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a Uuid as AsExpression<Nullable<SqlUuid>>>::as_expression(&self.0)
            }
        }
    )+};
}

uuid_column!(AgencyId, SubAccountId, UserId, IntegrationId, TokenId, ContactId, EndpointId);

/// Teaches diesel a domain enum stored as text in its canonical form (`as_str`/`parse`).
/// The database's CHECK constraints list the same forms.
macro_rules! text_column {
    ($($name:ty),+) => {$(
        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                <$name>::parse(&text)
                    .ok_or_else(|| format!("unknown {} {text:?} in the database", stringify!($name)).into())
            }
        }

        impl Queryable<Text, Pg> for $name {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $name {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }

        impl<'a> AsExpression<Text> for &'a $name {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }
    )+};
}

text_column!(crate::domain::people::Role, crate::domain::audit::AuditAction);
