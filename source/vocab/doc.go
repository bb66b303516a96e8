// Package vocab is the deployment vocabulary every configuration format maps onto: schedules
// (cron, interval, rrule, anchor dates, time zones), intervals and ISO 8601 durations,
// triggers, concurrency limits, job variables, code sources and their pull steps. Each concept
// is parsed, checked and turned into Prefect's API form here and nowhere else.
//
// A front-end (source/config for prefect-deploy.yaml, source/prefectyaml for prefect.yaml,
// and any new format) reads its file with [yamlfile], then only maps its own keys onto these
// types and functions, and adds its own rules and words:
//
//   - its key names and levels (config's defaults < environments < flows, prefect.yaml's
//     deployment entries);
//   - which written forms it reads ([Forms]: [GoForms] for prefect-deploy.yaml, [PydanticForms]
//     for prefect.yaml, as prefect deploy reads it) — the grammar of each form is here;
//   - what it refuses that Prefect would accept, and its messages: vocab's checks return
//     errors ([IntervalError], [AnchorError]) or booleans that the front-end words with its
//     file:line:col and key path.
//
// Then [Schedule.Deployment], [Concurrency.API] and [CodeSource.PullStepsAt] give the API body
// parts, so every format sends a concept the same way.
package vocab
