//! `GET /v2/companies/{companyId}`: the token's own agency, as HighLevel shows a company.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::wire::{JsonBody as _, id};
use super::{ApiResult, ErrorBody};
use crate::app::{self, App};
use crate::domain::ids::AgencyId;

/// An agency, as HighLevel calls it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// `agency`.
    pub customer_type: &'static str,
    /// How many locations (sub-accounts) it has.
    pub location_count: usize,
    /// When it was created.
    #[serde(serialize_with = "super::wire::time")]
    pub date_added: DateTime<Utc>,
}

/// `{"company": …}`.
#[derive(Serialize, ToSchema)]
pub struct CompanyResponse {
    /// The company.
    pub company: Company,
}

/// `GET /v2/companies/{companyId}` (companies.readonly): the token's own agency.
#[utoipa::path(
    get, path = "/v2/companies/{companyId}", tag = "Companies",
    description = "Scope: `companies.readonly` (agency tokens). The token's own agency.",
    params(("companyId" = Uuid, Path, description = "The agency's id")),
    responses(
        (status = 200, body = CompanyResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn get(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    caller.require(&app, "companies.readonly")?;
    let company_id: AgencyId = id(&path)?;
    let agency = app::locations::company(&app, &caller.requester, company_id).await?;
    let location_count = app::locations::visible(&app, &caller.requester).await?.len();
    Ok(HttpResponse::Ok().json_body(CompanyResponse {
        company: Company {
            id: agency.id.0,
            name: agency.name,
            customer_type: "agency",
            location_count,
            date_added: agency.created_at,
        },
    }))
}
