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
// parts, so every format sends a concept the same way (TestFormatsSendTheSameSchedulesAndLimits
// checks it for prefect-deploy.yaml and prefect.yaml).
//
// A new format, step by step: read the file with yamlfile.Read and the schema it is written
// for, report the reader's node problems as you visit nodes, map each schedule item onto a
// [Schedule] ([CheckCron], [CheckRRule], [CheckTimezone], [DurationSeconds] and [ParseAnchor] with
// the format's [Forms]; exactly one of [ScheduleKinds]), a concurrency setting onto
// [Concurrency] ([IsCollisionStrategy], [GoodGracePeriod]), a code source onto [CodeSource]
// ([CheckRepository], [IsBlockReference], [IsEnvName]), triggers through [IsTriggerType] and
// [TriggerName], job variables through [DeepMerge]; then build targets as package deploy does.
package vocab
