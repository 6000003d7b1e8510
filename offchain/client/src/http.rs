//! The operators' HTTP endpoints (`/health`, `/metrics`, `/relay`): an axum router served by
//! hyper, one task per connection, with tower-http's layers bounding what a client can make the
//! server hold: request bodies up to [`MAX_BODY`] or the server's own limit (413 beyond), [`READ_TIMEOUT`] to send the
//! head and the body (408 beyond), [`HANDLER_TIMEOUT`] for the whole answer (503 beyond).
//!
//! Handlers see a plain [`Request`] and give a [`Response`], or `None` to hang up without
//! answering (what a test's flaky node does). Axum and hyper are used for what a hand-written
//! server gets wrong (keep-alive, chunked bodies, slow clients); serving connection by connection
//! rather than with `axum::serve` is what lets a handler hang up.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;
/// How long a client may take to send a request's head, and then its body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a handler may take to answer (a relayed transaction waits for the node).
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(120);

/// A request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, query included.
    pub path: String,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response { status, content_type: "text/plain; charset=utf-8".to_owned(), body: body.into().into_bytes() }
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Response { status, content_type: "application/json".to_owned(), body: body.to_string().into_bytes() }
    }

    fn into_axum(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let content_type = HeaderValue::from_str(&self.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
        let mut response = axum::response::Response::new(Body::from(self.body));
        *response.status_mut() = status;
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        response
    }
}

/// Set on each request: notified when the handler hangs up on its connection.
#[derive(Clone)]
struct HangUp(Arc<Notify>);

/// Reads the body (at most `max_body` bytes) and calls `handler`; `None` from the handler hangs
/// up on the connection.
async fn dispatch<H, Fut>(handler: &H, max_body: usize, request: axum::extract::Request) -> axum::response::Response
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Option<Response>>,
{
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, max_body).await {
        Ok(body) => body,
        Err(error) => return body_error(&error, max_body).into_axum(),
    };
    let request = Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    match handler(request).await {
        Some(response) => response.into_axum(),
        None => {
            if let Some(HangUp(hang_up)) = parts.extensions.get::<HangUp>() {
                hang_up.notify_one();
            }
            // The connection's task drops this future along with the connection.
            std::future::pending().await
        }
    }
}

/// The answer when a body cannot be read: too large (413), too slow (408) or cut off (400).
fn body_error(error: &axum::Error, max_body: usize) -> Response {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return Response::text(413, format!("body too large: at most {max_body} bytes\n"));
        }
        if cause.is::<tower_http::timeout::TimeoutError>() {
            return Response::text(408, format!("body not received within {} s\n", READ_TIMEOUT.as_secs()));
        }
        source = cause.source();
    }
    Response::text(400, format!("cannot read the body: {error}\n"))
}

/// Serves `handler` on `listener` until the task is dropped.
async fn serve<H, Fut>(listener: TcpListener, max_body: usize, handler: H)
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Response>> + Send + 'static,
{
    let handler = Arc::new(handler);
    let router = axum::Router::new()
        .fallback(move |request: axum::extract::Request| {
            let handler = Arc::clone(&handler);
            async move { dispatch(handler.as_ref(), max_body, request).await }
        })
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(RequestBodyTimeoutLayer::new(READ_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, HANDLER_TIMEOUT));
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let hang_up = Arc::new(Notify::new());
        let marked = HangUp(Arc::clone(&hang_up));
        let service = router.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(marked.clone());
            request
        });
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(READ_TIMEOUT);
            let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::select! {
                _ = connection => {}
                () = hang_up.notified() => {}
            }
        });
    }
}

/// Listens on `address` (`host:port`; port 0 picks a free one) and serves `handler` there on a
/// task of its own, taking bodies of up to [`MAX_BODY`]; returns the address bound. A handler
/// returning `None` closes the connection without answering.
///
/// # Errors
/// The address is malformed or taken.
pub async fn start<H, Fut>(address: &str, handler: H) -> Result<SocketAddr, crate::ClientError>
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Response>> + Send + 'static,
{
    start_with_limit(address, MAX_BODY, handler).await
}

/// [`start`], taking request bodies of up to `max_body` bytes (413 beyond).
///
/// # Errors
/// The address is malformed or taken.
pub async fn start_with_limit<H, Fut>(address: &str, max_body: usize, handler: H) -> Result<SocketAddr, crate::ClientError>
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Response>> + Send + 'static,
{
    let cannot_listen = |e: std::io::Error| {
        crate::ClientError::Config(format!("cannot listen on {address}: {e} (choose another with --listen)"))
    };
    let listener = TcpListener::bind(address).await.map_err(cannot_listen)?;
    let bound = listener.local_addr().map_err(cannot_listen)?;
    tokio::spawn(serve(listener, max_body, handler));
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn server() -> SocketAddr {
        start("127.0.0.1:0", |request: Request| async move {
            match request.path.as_str() {
                "/drop" => None,
                _ => Some(Response::text(200, format!("{} {} {}", request.method, request.path, request.body.len()))),
            }
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn answers_hangs_up_and_refuses() {
        let address = server().await;
        let client = reqwest::Client::new();
        let body = client.post(format!("http://{address}/echo?x=1")).body("hello").send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "POST /echo?x=1 5");
        assert!(client.get(format!("http://{address}/drop")).send().await.is_err(), "a handler's None hangs up");
        let big = client.post(format!("http://{address}/x")).body(vec![0u8; MAX_BODY + 1]).send().await;
        assert!(big.map(|r| r.status().as_u16() == 413).unwrap_or(true));
        // Still serving after all that.
        let status = client.get(format!("http://{address}/again")).send().await.unwrap().status();
        assert_eq!(status.as_u16(), 200);
    }

    #[tokio::test]
    async fn a_body_that_never_arrives_gets_408() {
        let address = server().await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(READ_TIMEOUT * 2, stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server let a slow body hold the connection");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn a_chunked_body_over_the_limit_is_refused_with_413() {
        let address = server().await;
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let chunk = vec![b'a'; 64 << 10];
        let mut request = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..(MAX_BODY / chunk.len() + 2) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(&chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        // The server may answer and close before the whole body is written.
        let _ = stream.write_all(&request).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("body too large"), "{answer}");
    }
}
