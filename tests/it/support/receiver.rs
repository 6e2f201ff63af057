//! Real local servers the app talks to: a webhook receiver (plain HTTP/1.1 on loopback)
//! that records every request and answers as told, and an SMTP sink that accepts every
//! message. Both speak their protocol for real; nothing in the app is mocked.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its path.
    pub path: String,
    /// Its headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// Its body.
    pub body: String,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// An answer: status, extra headers, body.
type Answer = (u16, Vec<(String, String)>, String);

/// A webhook receiver on a loopback port.
pub struct Receiver {
    /// Its base URL (`http://127.0.0.1:port`).
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    always: Arc<Mutex<Option<Answer>>>,
    delay: Arc<Mutex<Duration>>,
}

impl Receiver {
    /// Starts listening; answers 200 unless told otherwise.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(VecDeque::new()));
        let always = Arc::new(Mutex::new(None));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let (log, queue, fixed, wait) = (received.clone(), answers.clone(), always.clone(), delay.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, queue, fixed, wait) = (log.clone(), queue.clone(), fixed.clone(), wait.clone());
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let mut headers = HashMap::new();
                    loop {
                        let mut header = String::new();
                        if stream.read_line(&mut header).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                        }
                    }
                    let length: usize =
                        headers.get("content-length").and_then(|n| n.parse().ok()).unwrap_or(0);
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let pause = *wait.lock().expect("delay");
                    tokio::time::sleep(pause).await;
                    let answer = queue
                        .lock()
                        .expect("answers")
                        .pop_front()
                        .or_else(|| fixed.lock().expect("always").clone());
                    let (status, extra, text) = answer.unwrap_or((200, Vec::new(), "ok".to_owned()));
                    log.lock().expect("log").push(Received {
                        path,
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let mut response = format!(
                        "HTTP/1.1 {status} Answer\r\ncontent-length: {}\r\nconnection: close\r\n",
                        text.len()
                    );
                    for (name, value) in extra {
                        response.push_str(&format!("{name}: {value}\r\n"));
                    }
                    response.push_str("\r\n");
                    response.push_str(&text);
                    let _ = stream.get_mut().write_all(response.as_bytes()).await;
                    let _ = stream.get_mut().shutdown().await;
                });
            }
        });
        Self { url, received, answers, always, delay }
    }

    /// The next request gets this answer.
    pub fn answer_next(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        let headers = headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        self.answers.lock().expect("answers").push_back((status, headers, body.to_owned()));
    }

    /// Every request gets this status from now on.
    pub fn always(&self, status: u16) {
        *self.always.lock().expect("always") = Some((status, Vec::new(), "no".to_owned()));
    }

    /// Each request is answered after `pause`.
    pub fn slow(&self, pause: Duration) {
        *self.delay.lock().expect("delay") = pause;
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

/// A message the SMTP sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
}

/// An SMTP server on a loopback port that accepts every message.
pub struct SmtpSink {
    /// Its `SMTP_URL`.
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    /// Starts listening.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("address"));
        let mails = Arc::new(Mutex::new(Vec::new()));
        let log = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    let mut to = Vec::new();
                    let reply = |text: &'static str| text.as_bytes();
                    if stream.get_mut().write_all(reply("220 sink.test ESMTP\r\n")).await.is_err() {
                        return;
                    }
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let command = line.trim_end().to_ascii_uppercase();
                        let answer: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                            reply("250 sink.test\r\n")
                        } else if command.starts_with("MAIL FROM") {
                            reply("250 OK\r\n")
                        } else if command.starts_with("RCPT TO") {
                            let address = line.trim_end()[8..].trim().trim_matches(['<', '>']).to_owned();
                            to.push(address);
                            reply("250 OK\r\n")
                        } else if command == "DATA" {
                            if stream.get_mut().write_all(reply("354 go ahead\r\n")).await.is_err() {
                                return;
                            }
                            let mut data = String::new();
                            loop {
                                let mut line = String::new();
                                if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" {
                                    break;
                                }
                                data.push_str(&line);
                            }
                            log.lock().expect("mails").push(Mail { to: std::mem::take(&mut to), data });
                            reply("250 queued\r\n")
                        } else if command == "QUIT" {
                            let _ = stream.get_mut().write_all(reply("221 bye\r\n")).await;
                            return;
                        } else {
                            reply("250 OK\r\n")
                        };
                        if stream.get_mut().write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, mails }
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("mails").clone()
    }
}
