//! A group's member paths (`/{locationId}`, `/{contactId}/tags`), matched as text.
//!
//! The router matches a pattern with a `{segment}` by a regular expression: regex-lite's
//! PikeVM cost about 35,000 instructions for `/{locationId}`, a third of what
//! `GET /v2/locations/{id}` costs with a cached token (`benches/instructions`;
//! docs/benchmarks.md, fifth round). A member path is one segment and a fixed rest, so the
//! group hands what its fixed paths did not take to [`Members`], its default service, which
//! finds the segment and the rest by hand and answers as the router would: the segment as
//! the parameter `web::Path` extracts (decoded by it, as a matched segment is), the route's
//! data (`auth::Route`, the request log's pattern), a 405 with `Allow` for another method, a
//! 404 for any other path.

use std::future::{Future, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::{Extensions, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{Error, ResponseError as _, Route};

use super::{ApiError, Methods, auth, method_not_allowed};
use crate::telemetry::RoutePattern;

type Answer = Pin<Box<dyn Future<Output = Result<ServiceResponse, Error>>>>;
type RouteService = <Route as ServiceFactory<ServiceRequest>>::Service;

/// The member paths of one group, all named by the same parameter.
pub struct Members {
    /// The parameter's name (`locationId`).
    param: &'static str,
    paths: Vec<Member<Methods>>,
}

/// One member path: what follows the segment (`""`, `/tags`), the data set on its
/// requests, the methods it answers and their `Allow` header.
struct Member<M> {
    rest: &'static str,
    data: Rc<Extensions>,
    allow: String,
    methods: M,
}

impl Members {
    /// The member paths of the group `name` (`/v2/contacts`): `(pattern, methods)` with
    /// patterns `/{param}` followed by a fixed rest (`/{contactId}/tags`), one parameter
    /// for all. A pattern of another shape is a mistake in the route table, refused at
    /// start-up.
    pub fn new(name: &'static str, patterns: Vec<(&'static str, Methods)>) -> Self {
        let mut param = "";
        let paths = patterns
            .into_iter()
            .map(|(pattern, methods)| {
                let (segment, rest) = split(pattern);
                assert!(
                    param.is_empty() || param == segment,
                    "{name}: member paths name different parameters ({param}, {segment})"
                );
                param = segment;
                let mut data = Extensions::new();
                data.insert(auth::Route { prefix: name, path: pattern.trim_end_matches('/') });
                data.insert(RoutePattern(format!("{name}{pattern}").into()));
                let allow = methods.iter().map(|(method, _)| method.as_str()).collect::<Vec<_>>().join(", ");
                Member { rest, data: Rc::new(data), allow, methods }
            })
            .collect();
        Self { param, paths }
    }
}

/// `/{param}rest` → `(param, rest)`.
fn split(pattern: &'static str) -> (&'static str, &'static str) {
    let parsed = pattern
        .strip_prefix("/{")
        .and_then(|inner| inner.split_once('}'))
        .filter(|(param, rest)| !param.is_empty() && !rest.contains(['{', '}']));
    match parsed {
        Some(parsed) => parsed,
        None => panic!("{pattern}: a member path is `/{{parameter}}` and a fixed rest"),
    }
}

impl ServiceFactory<ServiceRequest> for Members {
    type Response = ServiceResponse;
    type Error = Error;
    type Config = ();
    type Service = MembersService;
    type InitError = ();
    type Future = Pin<Box<dyn Future<Output = Result<MembersService, ()>>>>;

    fn new_service(&self, (): ()) -> Self::Future {
        let param = self.param;
        let pending: Vec<_> = self
            .paths
            .iter()
            .map(|member| {
                let services: Vec<_> =
                    member.methods.iter().map(|(_, route)| route.new_service(())).collect();
                (member.rest, Rc::clone(&member.data), member.allow.clone(), services)
            })
            .collect();
        Box::pin(async move {
            let mut paths = Vec::with_capacity(pending.len());
            for (rest, data, allow, services) in pending {
                let mut methods = Vec::with_capacity(services.len());
                for service in services {
                    methods.push(service.await?);
                }
                paths.push(Member { rest, data, allow, methods });
            }
            Ok(MembersService { param, paths })
        })
    }
}

/// [`Members`], ready to answer.
pub struct MembersService {
    param: &'static str,
    paths: Vec<Member<Vec<RouteService>>>,
}

impl MembersService {
    /// The member `path` (what the group's prefix left) is, and the length of its segment.
    fn find(&self, path: &str) -> Option<(&Member<Vec<RouteService>>, usize)> {
        let after = path.strip_prefix('/')?;
        let length = after.find('/').unwrap_or(after.len());
        if length == 0 {
            return None;
        }
        let rest = &after[length..];
        self.paths.iter().find(|member| member.rest == rest).map(|member| (member, length))
    }
}

impl Service<ServiceRequest> for MembersService {
    type Response = ServiceResponse;
    type Error = Error;
    type Future = Answer;

    actix_web::dev::always_ready!();

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let path = req.match_info().unprocessed();
        let Some((member, length)) = self.find(path) else {
            return Box::pin(ready(Ok(req.into_response(ApiError::NOT_FOUND.error_response()))));
        };
        let segment = path[1..=length].to_owned();
        let consumed = u16::try_from(path.len()).unwrap_or(u16::MAX);
        let params = req.match_info_mut();
        params.add_static(self.param, segment);
        params.skip(consumed);
        req.add_data_container(Rc::clone(&member.data));
        match member.methods.iter().find(|route| route.check(&mut req)) {
            Some(route) => route.call(req),
            None => Box::pin(ready(Ok(req.into_response(method_not_allowed(&member.allow))))),
        }
    }
}
