// Package prefectyaml reads Prefect's own prefect.yaml files without Python
// and turns their deployment entries into the deployment body `prefect
// deploy` would send (a [prefect.DeploymentSpec]), plus the entry's
// triggers.
//
// It decides which entries a deploy targets ([Options.Select]), how the
// file is templated, which build steps run here, and where the result
// deliberately departs from `prefect deploy`. The file is read by the shared
// reader (package yamlfile, with yaml.safe_load's PyYAML typing), and the
// deployment concepts — schedules, intervals, anchor dates, concurrency,
// triggers' default names, the default pull step — are the vocabulary's
// (package vocab, in its pydantic forms); this package maps prefect.yaml's
// keys onto them and adds prefect deploy's defaults and leniency. The behaviour mirrors
// Prefect 3.x's prefect/cli/deploy (_core.py, _config.py, _models.py,
// _schedules.py, _actions.py) and was checked against `prefect deploy`
// itself on a live server (TestMatchesPrefectDeploy).
//
// # Working directory
//
// `prefect deploy --prefect-file pipelines/x/prefect.yaml` does not change
// directory: entrypoints, run_shell_script steps and the generated default
// pull step are relative to the directory it runs in. The monorepo deploy
// script this package replaces runs it from the repository root, so its
// entrypoints read "pipelines/x/flow.py:function". Load does the same with
// the process working directory, or [Options.Dir] when set; relative
// patterns are relative to that directory too.
//
// # Prefect versions
//
// Every file that a supported `prefect deploy` (3.4 to the latest 3.x) accepts loads. Where
// those versions disagree, one version governs each file: its own prefect-version when that
// is a version string, else the version of the server deployed to ([Options.PrefectVersion];
// the CLI reads it from GET /admin/version), else none. What the governing version ignores is
// a warning at file:line:col naming the key and saying it has no effect; what it refuses is an
// error. With no governing version, what the most lenient supported version accepts loads,
// with the warning. The disagreements, from Prefect's source (prefect/cli/deploy.py up to
// 3.4.18, prefect/cli/deploy/_models.py from 3.4.19):
//
//   - An unknown key in a schedule item (flow_run_name, deployment_name, max_scheduled_runs,
//     a nested schedule:): before 3.4.21 schedules were plain dictionaries and only the known
//     keys were read; from 3.4.21 RawScheduleConfig forbids extra keys and the file is skipped.
//   - The legacy schedule: key holding something other than a mapping (a list of schedules):
//     before 3.4.19 only a mapping was used and anything else ignored (no schedules); from
//     3.4.19 validation fails and the file is skipped.
//
// Unknown deployment-entry and work_pool keys are ignored by every version (a warning).
//
// # What matches prefect deploy
//
//   - Reading: YAML 1.1 typing as Python's yaml.safe_load does it (yes/no/on/off
//     are booleans, 0755 is octal, 1:30 is 90, unquoted dates and times are
//     timestamps written as pydantic writes them), anchors, aliases and merge
//     keys (the mapping's own keys win; among merged mappings the first
//     listed wins), and the validation prefect deploy's pydantic models make,
//     with their lax coercions ("yes" for a boolean, "3" for an integer).
//   - Entries: name, version, tags, description (else the flow's
//     description= or docstring), entrypoint, parameters, paused (absent
//     means false), enforce_parameter_schema (absent means true),
//     concurrency_limit (an integer, or {limit, collision_strategy,
//     grace_period_seconds}), work_pool.name, work_queue_name and
//     job_variables, path (always null), and a name ending in ".py" losing
//     it, as RunnerDeployment does.
//   - Version: the entry's version; else, as Prefect infers it, the commit
//     of the CI system (GITHUB_SHA, CI_COMMIT_SHA, BITBUCKET_COMMIT,
//     BUILD_SOURCEVERSION, with their branch and repository variables) or of
//     a git checkout that has an origin remote, cut to 8 characters
//     (version_type narrows the search; prefect:simple turns it off); else
//     the md5 of the flow file.
//   - Flow: the flow's name (@flow(name=...) when literal, else the function
//     name with "_" written "-"), description and parameter schema come from
//     static discovery of the entrypoint (package discover). As prefect
//     deploy imports the file with its own directory and the working
//     directory on sys.path, names a default or annotation imports from
//     other modules resolve from both: "from pipelines.x.constants import
//     Source" then "db_host: str = Source.HOST.value" has the default
//     prefect deploy shows.
//   - Schedules: cron (timezone, day_or), interval (seconds, ISO 8601
//     durations, "HH:MM:SS", "N days"; anchor_date parsed as pendulum does,
//     so a date-time without an offset is UTC even when timezone is set;
//     timezone defaults to UTC), rrule (also the JSON form), active,
//     parameters, slug; the legacy single schedule key; both keys is an
//     error.
//   - Steps: a deployment-level build, push or pull replaces the top-level
//     one; "pull: []" means no pull steps while null or {} fall back to the
//     top-level pull, then to the default prefect deploy generates (a
//     dockerfile: auto image build gives /opt/prefect/<dir>, an image job
//     variable gives /opt/prefect, otherwise the absolute working
//     directory, with a warning).
//   - run_shell_script runs natively: each line is split with shlex and
//     executed without a shell unless shell is true (then /bin/sh -c); env
//     is added to the environment, directory sets the working directory,
//     expand_env_vars substitutes $VAR and ${VAR} as string.Template does;
//     the outputs stdout and stderr are stripped and stored under the step
//     id and flat (last writer wins); a non-zero exit fails the deploy.
//   - Templating: {{ $VAR }} first, then {{ step-id.key }} (dots and [i]
//     index into outputs); a placeholder that is the whole value takes the
//     output's type, an embedded one its Python str(). {{ ctx.* }} stays for
//     the worker. Pull steps keep what they cannot resolve (their own step
//     outputs, unset variables) for the worker. Trigger parameters keep
//     event templates such as {{ event.name }}.
//   - Triggers get the default name "<deployment>__automation_<i>".
//
// # Deliberate differences
//
// Each is tested; the ones that change a stored deployment are also the
// allow-list of TestMatchesPrefectDeploy.
//
//  1. {{ prefect.blocks.* }} and {{ prefect.variables.* }} in an entry are
//     kept as written, with a warning; prefect deploy resolves them against
//     the server at deploy time (a missing variable becomes "", a missing
//     block fails the deploy, even one referenced only in an entry's pull
//     steps). Both keep them unresolved in pull steps.
//  2. A step-output placeholder that no step supplied is an error naming the
//     file, line and step id; prefect deploy logs a warning and drops the key
//     (whole-value placeholders) or inserts "" (embedded ones). The same
//     holds in schedules and trigger fields.
//  3. Only run_shell_script steps run. Docker build_docker_image and
//     push_docker_image steps are not run: their outputs are, first,
//     [Options.StepOutputs] under the step's id; else, for "image",
//     "image_name" and "tag", [Options.Image]; else they are derived from
//     the step's own templated arguments, as prefect-docker's step would
//     return them for the image CI is assumed to have built and pushed
//     (with a warning naming it): image_name and tag as written, image
//     "image_name:tag", additional_tags as written or []. Without a tag
//     (prefect-docker's build would make one from the build time; its push
//     would return None), a reference to tag or image is an error naming
//     the step and its line; so is a reference to build's image_id, and to
//     an output whose argument cannot be resolved here. Any other step type
//     is an error unless its outputs are supplied under its id. Block or
//     variable references in a step that runs here are an error.
//     stream_output is ignored (output is captured, not printed).
//  4. Build and push steps run once per distinct step list and file, not once
//     per deployment.
//  5. An interval schedule without anchor_date gets none: the server uses its
//     current time, where prefect deploy sends the deploying machine's. (So
//     a redeploy does not look like a change.)
//  6. The parameter schema is built without running Python, by discover: a
//     default or annotation it cannot evaluate (a call such as
//     datetime.now(), a type from an installed library) is left out or
//     accepts any value, with a warning. @flow(version=)
//     is not read, so without a version in the entry and without VCS
//     information the version is the file's md5 rather than that literal.
//  7. {{ name }} placeholders are never looked up in the environment;
//     prefect deploy's first pass does look them up there. Getenv returning
//     "" counts as unset.
//  8. A description taken from the docstring is used verbatim; prefect
//     deploy would template placeholders in it.
//  9. tags given as one string is an error; prefect deploy would make one tag
//     per character.
//  10. prefect deploy skips a whole file that fails validation and carries
//     on; Load reports every problem (file:line:col) and returns no
//     deployment from that file. Keys Prefect ignores are reported as
//     warnings. Timezones and cron expressions are left to the server to
//     check. A deploy refuses the whole run on any problem, or, with
//     --skip-invalid ([SplitRefused]), deploys the files without problems,
//     lists the others and fails.
//  11. sla (Prefect Cloud SLAs) is an error. version_type only steers version
//     inference: version_info is not part of the body (servers other than
//     Cloud discard it). A schedule's replaces is ignored with a warning,
//     since the schedules are replaced as a whole.
//  12. Module-path entrypoints (pkg.module.function) are an error: the file
//     cannot be found without Python's import system. Mapping keys that
//     YAML 1.1 reads as non-strings (on:, 1:) and tags safe_load would
//     construct as sets, ordered maps or bytes are errors.
//  13. Two selected entries that make the same deployment (same flow and
//     name) are an error; prefect deploy would deploy both, the last
//     winning. When a deploy renames entries after their flow, several
//     entries of one flow become its variants ([Variants]).
//  14. [Options.Select] matches the name after {{ $VAR }} templating (prefect
//     deploy --name matches the name as written).
//  15. A list item that is a single {{ name }} placeholder, such as
//     tags: ["{{ build-image.tag }}"], is resolved like any other value, with
//     a warning; prefect deploy's first templating pass looks such items up
//     in the environment and, not finding them, drops them from the list.
//  16. A flow without a description (none in the entry, no docstring) gets
//     none. prefect deploy stores the text "None" when it creates such a
//     deployment and none when it redeploys it: its client's DeploymentCreate
//     validates description with str() (convert_to_strings, so None becomes
//     "None"), its DeploymentUpdate does not. Every 3.x client does this
//     (3.0.0 to the newest, checked in Prefect's source and live with 3.4.9
//     and 3.8.8), so no version rule applies; the server stores what it is
//     sent. Load gives what prefect deploy's every deploy after the first
//     stores, and what the UI shows as no description. A deployment prefect
//     deploy created with "None" shows that as a change on the first deploy.
//
// # Measured on a real monorepo
//
// prefeitura-rio/prefect_rj_iplanrio at 8af18c1d (64 pipelines/*/prefect.yaml
// pinned to prefect-version 3.4.3 and 3.4.9, the CI's uv.lock at 3.4.9):
// staging (52 entries) and prod (44 entries) load unmodified, with warnings
// for the keys Prefect 3.4 ignores (35 flow_run_name and one deployment_name
// in schedules, one schedule: list). TestRealRepositoryMatchesPrefectDeploy
// (see its comment for the command) created every entry's Spec on one 3.4.9
// server and ran prefect deploy 3.4.9 for the same entries on a second one,
// the way the repository's CI runs it: Python 3.13 (its requires-python),
// every package of its uv.lock installed at the locked version, its
// iplanrio package from the submodule's commit, so that the flows import
// (one, which imports a module missing from the lock, is read without
// importing, as prefect deploy does then), prefect-docker's steps stubbed
// to the outputs of the image CI built. It compared the 18 stored fields of
// each deployment after prefect deploy created them and again after it
// redeployed them:
//
//   - first deploy: 1699 of 1728 fields equal (98.32%); the 29 left are
//     description in the deployments whose flow has no docstring, which
//     prefect deploy created with the text "None" (difference 16).
//   - redeploy: 1728 of 1728 fields equal (100.00%); prefect deploy's
//     update cleared those descriptions.
//
// No difference is left where prefect deploy's own create and update agree.
//
// Identity is not compared: ids, timestamps, and the server's
// prefect.flow.id label, which is the flow's id on each server.
//
// Unlike a redeploy with prefect deploy (which updates with PATCH), sending
// the Spec as a POST replaces the whole deployment: an entry without
// schedules removes existing ones, and paused is false unless the entry
// says otherwise. Keeping server-side state is the caller's decision.
package prefectyaml
