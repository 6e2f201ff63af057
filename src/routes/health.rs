//! Operational endpoints: liveness and readiness probes for load balancers and
//! orchestrators, and Prometheus metrics for monitoring.

use actix_web::{HttpResponse, web};

use crate::app::App;

/// `GET /healthz`: the process is up and serving.
#[tracing::instrument(skip_all)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// `GET /readyz`: the database answers; 503 otherwise.
#[tracing::instrument(skip_all)]
pub async fn readyz(app: web::Data<App>) -> HttpResponse {
    if app.database_answers().await {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "database": "ok" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" }))
    }
}

/// `GET /metrics`: Prometheus text exposition.
#[tracing::instrument(skip_all)]
pub async fn metrics(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(app.metrics.render())
}
