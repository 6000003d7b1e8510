//! A small HTTP/1.1 server for the operators' endpoints (`/health`, `/metrics`, `/relay`): one
//! request per connection, bodies up to [`MAX_BODY`], a read timeout, no dependencies beyond tokio.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;
const MAX_HEAD: usize = 16 << 10;
const READ_TIMEOUT: Duration = Duration::from_secs(10);

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
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Serves `handler` on `listener` until the task is dropped.
async fn serve<H, Fut>(listener: TcpListener, handler: H)
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Response>> + Send + 'static,
{
    let handler = Arc::new(handler);
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            let _ = handle(stream, handler.as_ref()).await;
        });
    }
}

async fn handle<H, Fut>(mut stream: TcpStream, handler: &H) -> std::io::Result<()>
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Option<Response>>,
{
    let request = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Ok(Ok(request)) => request,
        Ok(Err(RequestError::TooLarge)) => return write_response(&mut stream, &Response::text(413, "body too large\n")).await,
        Ok(Err(RequestError::Malformed)) => return write_response(&mut stream, &Response::text(400, "malformed request\n")).await,
        Ok(Err(RequestError::Io(error))) => return Err(error),
        Err(_) => return Ok(()),
    };
    match handler(request).await {
        Some(response) => write_response(&mut stream, &response).await,
        None => Ok(()),
    }
}

async fn write_response(stream: &mut TcpStream, response: &Response) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&response.body).await?;
    stream.shutdown().await
}

enum RequestError {
    TooLarge,
    Malformed,
    Io(std::io::Error),
}

async fn read_request(stream: &mut TcpStream) -> Result<Request, RequestError> {
    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_HEAD {
            return Err(RequestError::TooLarge);
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.map_err(RequestError::Io)?;
        if read == 0 {
            return Err(RequestError::Malformed);
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| RequestError::Malformed)?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(path)) = (request_line.next(), request_line.next()) else {
        return Err(RequestError::Malformed);
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = match headers.iter().find(|(name, _)| name == "content-length") {
        Some((_, value)) => value.parse::<usize>().map_err(|_| RequestError::Malformed)?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(RequestError::TooLarge);
    }
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; (length - body.len()).min(64 << 10)];
        let read = stream.read(&mut chunk).await.map_err(RequestError::Io)?;
        if read == 0 {
            return Err(RequestError::Malformed);
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Ok(Request { method: method.to_owned(), path: path.to_owned(), headers, body })
}

/// Listens on `address` (`host:port`; port 0 picks a free one) and serves `handler` there on a
/// task of its own; returns the address bound. A handler returning `None` closes the connection
/// without answering.
///
/// # Errors
/// The address is malformed or taken.
pub async fn start<H, Fut>(address: &str, handler: H) -> Result<SocketAddr, crate::ClientError>
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Response>> + Send + 'static,
{
    let cannot_listen = |e: std::io::Error| {
        crate::ClientError::Config(format!("cannot listen on {address}: {e} (choose another with --listen)"))
    };
    let listener = TcpListener::bind(address).await.map_err(cannot_listen)?;
    let bound = listener.local_addr().map_err(cannot_listen)?;
    tokio::spawn(serve(listener, handler));
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_and_refuses() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, |request: Request| async move {
            match request.path.as_str() {
                "/drop" => None,
                _ => Some(Response::text(200, format!("{} {} {}", request.method, request.path, request.body.len()))),
            }
        }));
        let client = reqwest::Client::new();
        let body = client.post(format!("http://{address}/echo")).body("hello").send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "POST /echo 5");
        assert!(client.get(format!("http://{address}/drop")).send().await.is_err());
        let big = client.post(format!("http://{address}/x")).body(vec![0u8; MAX_BODY + 1]).send().await;
        assert!(big.map(|r| r.status().as_u16() == 413).unwrap_or(true));
    }
}
