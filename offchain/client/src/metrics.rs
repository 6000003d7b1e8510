//! Counters and gauges in Prometheus's text format, for `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A metric family's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
}

#[derive(Debug)]
struct Family {
    help: &'static str,
    kind: Kind,
    values: BTreeMap<String, f64>,
}

/// A set of metric families.
#[derive(Debug, Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<&'static str, Family>>,
}

fn labels_text(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")))
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    /// Declares a family (shown with value 0 before any update when it has no labels).
    pub fn describe(&self, name: &'static str, kind: Kind, help: &'static str) {
        let mut families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let family = families.entry(name).or_insert_with(|| Family { help, kind, values: BTreeMap::new() });
        family.help = help;
        family.kind = kind;
    }

    fn update(&self, name: &'static str, labels: &[(&str, &str)], apply: impl FnOnce(&mut f64)) {
        let mut families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let family = families.entry(name).or_insert_with(|| Family { help: "", kind: Kind::Gauge, values: BTreeMap::new() });
        apply(family.values.entry(labels_text(labels)).or_insert(0.0));
    }

    /// Adds `amount` to a counter.
    pub fn add(&self, name: &'static str, labels: &[(&str, &str)], amount: f64) {
        self.update(name, labels, |value| *value += amount);
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1.0);
    }

    /// Sets a gauge.
    pub fn set(&self, name: &'static str, labels: &[(&str, &str)], value: f64) {
        self.update(name, labels, |slot| *slot = value);
    }

    /// The current value (0 when never set).
    pub fn get(&self, name: &'static str, labels: &[(&str, &str)]) -> f64 {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        families.get(name).and_then(|f| f.values.get(&labels_text(labels)).copied()).unwrap_or(0.0)
    }

    /// Every family in the text exposition format.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        for (name, family) in families.iter() {
            let kind = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = writeln!(out, "# HELP {name} {}", family.help);
            let _ = writeln!(out, "# TYPE {name} {kind}");
            if family.values.is_empty() {
                let _ = writeln!(out, "{name} 0");
            }
            for (labels, value) in &family.values {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        }
        out
    }

    /// [`render`](Self::render) as the answer to `GET /metrics`.
    pub fn response(&self) -> crate::http::Response {
        crate::http::Response { status: 200, content_type: "text/plain; version=0.0.4".to_owned(), body: self.render().into_bytes() }
    }
}

/// Seconds since a loop's last successful poll at `last`, and whether the loop counts as live for
/// `/health`: it polled within one `poll_interval` plus 30 s of grace.
pub fn liveness(last: Option<Instant>, poll_interval: Duration) -> (Option<f64>, bool) {
    let age = last.map(|t| t.elapsed().as_secs_f64());
    (age, age.is_some_and(|age| age < 30.0 + poll_interval.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let metrics = Metrics::default();
        metrics.describe("ciro_actions_total", Kind::Counter, "Transactions sent.");
        metrics.describe("ciro_lag_blocks", Kind::Gauge, "Blocks behind.");
        metrics.inc("ciro_actions_total", &[("action", "assign_job")]);
        metrics.inc("ciro_actions_total", &[("action", "assign_job")]);
        metrics.set("ciro_lag_blocks", &[], 3.0);
        assert_eq!(metrics.get("ciro_actions_total", &[("action", "assign_job")]), 2.0);
        assert_eq!(
            metrics.render(),
            "# HELP ciro_actions_total Transactions sent.\n# TYPE ciro_actions_total counter\nciro_actions_total{action=\"assign_job\"} 2\n\
             # HELP ciro_lag_blocks Blocks behind.\n# TYPE ciro_lag_blocks gauge\nciro_lag_blocks 3\n"
        );
    }
}
