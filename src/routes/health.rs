//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl as _;

use crate::web::AppState;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// `GET /readyz`: the database answers; 503 otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state.db.run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?)).await.is_ok();
    if ready {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "database": "ok" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" }))
    }
}
