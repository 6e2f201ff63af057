//! The token-authenticated API (`/v2`), by area; the helpers every area shares.

mod cache;
mod contacts;
mod introspection;
mod limits;
mod operations;
mod verification;
mod writes;

pub use crate::support::{PASSWORD, TestApp, World, create_integration, people, seed};

pub const AGENCY: &str = "/settings/private-integrations";

pub struct Api<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Api<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, client: reqwest::Client::new() }
    }

    /// `GET path` with an optional bearer token: (status, JSON body).
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request =
            self.client.get(format!("{}{path}", self.app.address)).header("Version", "2021-07-28");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

pub async fn world_with_tokens() -> (TestApp, World, String, String, String) {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, agency_token) = create_integration(
        &app,
        AGENCY,
        "HQ sync",
        &["companies.readonly", "locations.readonly", "users.readonly"],
    )
    .await;
    let sub_base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (_, sub_token) =
        create_integration(&app, &sub_base, "Dental CRM", &["locations.readonly", "users.readonly"]).await;
    let (detail, narrow_token) = create_integration(&app, AGENCY, "Narrow", &["users.readonly"]).await;
    let _ = detail;
    (app, world, agency_token, sub_token, narrow_token)
}

pub async fn get_with_headers(app: &TestApp, path: &str, token: &str) -> (u16, reqwest::header::HeaderMap) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    (response.status().as_u16(), response.headers().clone())
}

pub fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("missing").to_owned()
}

pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}
