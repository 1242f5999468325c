//! Human-readable output: `name: value` lines and column tables.

use serde_json::Value;

/// A cell: strings as is, arrays of scalars comma-joined, null empty, anything else compact JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| cell(Some(i)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// One `name: value` line per member of an object (names aligned).
pub(super) fn kv(value: &Value) -> String {
    let Some(object) = value.as_object() else {
        return cell(Some(value));
    };
    let width = object.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    object
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {}", cell(Some(v))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A table of `rows` (an array of objects) with `(header, member)` columns; "(none)" when empty.
pub(super) fn table(rows: Option<&Value>, columns: &[(&str, &str)]) -> String {
    let rows: Vec<&Value> = rows
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if rows.is_empty() {
        return "(none)".to_owned();
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|(_, m)| cell(r.get(*m))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (h, _))| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(columns.iter().map(|(h, _)| *h).collect())];
    for r in &cells {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// `\n(page P, N of TOTAL)` for a paged answer, nothing otherwise.
pub(super) fn page_footer(value: &Value) -> String {
    match (value.get("page"), value.get("total")) {
        (Some(page), Some(total)) => {
            let shown = ["grants", "entries"]
                .iter()
                .find_map(|k| value.get(*k).and_then(Value::as_array))
                .map_or(0, Vec::len);
            format!("\n(page {page}, {shown} shown of {total})")
        }
        _ => String::new(),
    }
}
