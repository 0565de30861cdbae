# The spans of one trace (GET /spans?trace_id=...), oldest first: service,
# kind, name, and the name of the span it is a child of ("-": the root).
INDEX(.span_id) as $span
| sort_by(.start)[]
| [.service, .kind, .name, ($span[.parent_span_id // ""].name // "-")]
| @tsv
