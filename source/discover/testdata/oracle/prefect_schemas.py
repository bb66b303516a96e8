"""Prints the parameter schemas Prefect itself computes for flow entrypoints.

Usage: python prefect_schemas.py [--fallback] [--entrypoints FILE] ROOT

ROOT becomes the working directory, as for `prefect deploy` run at the root
of a repository. Every .py file below ROOT is imported the way Prefect loads
an entrypoint's file; every Flow object defined in that file, at module level
or as an attribute of a class defined there, gives an entrypoint
("path/to/file.py:func" or "path/to/file.py:Class.method"). The first line
is {"prefect_version": ...}; then, for every entrypoint, one JSON object per
line:

  {"entrypoint": ..., "schema": ..., "fallback": ..., "error": ...}

"schema" is what `prefect deploy` stores: parameter_schema of the flow that
load_flow_from_entrypoint returns (the Flow object of the imported file). With --entrypoints, FILE holds a JSON list of entrypoints, which are
loaded exactly as `prefect deploy` loads them (load_flow_from_entrypoint,
falling back to Prefect's own no-import loader when the file's imports
fail) instead of importing every file: for real repositories whose
dependencies are not installed. With --fallback, "fallback" is Prefect's own no-import variant,
parameter_schema_from_entrypoint (null for class-method entrypoints, which it
does not support). Both are dumped as the deployment body carries them:
"required" and "definitions" only when non-empty.
"""

import json
import logging
import os
import sys
import warnings


def dump(schema):
    out = schema.model_dump(mode="json", exclude_none=True)
    for key in ("required", "definitions"):
        if not out.get(key):
            out.pop(key, None)
    return out


def entrypoints(flow_type, load):
    """Lists the entrypoints of the flows defined in the files below ".", sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk("."):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name)).replace(os.sep, "/")
            try:
                module = load(rel)
            except BaseException:
                continue
            here = os.path.abspath(rel)

            def defined_here(obj):
                fn = getattr(obj, "fn", None)
                code = getattr(fn, "__code__", None)
                return code is not None and os.path.abspath(code.co_filename) == here

            for attr, obj in sorted(vars(module).items()):
                if isinstance(obj, flow_type) and defined_here(obj):
                    found.append((f"{rel}:{attr}", obj))
                elif isinstance(obj, type) and obj.__module__ == module.__name__:
                    for mattr in sorted(vars(obj)):
                        value = getattr(obj, mattr, None)
                        if isinstance(value, flow_type) and defined_here(value):
                            found.append((f"{rel}:{attr}.{mattr}", value))
    return sorted(found, key=lambda item: item[0])


def main():
    args = sys.argv[1:]
    fallback = "--fallback" in args
    args = [a for a in args if a != "--fallback"]
    listing = None
    if "--entrypoints" in args:
        i = args.index("--entrypoints")
        with open(args[i + 1]) as f:
            listing = json.load(f)
        del args[i : i + 2]
    os.chdir(args[0])
    sys.path.insert(0, os.getcwd())
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    import prefect
    from prefect.flows import Flow
    from prefect.utilities.importtools import load_script_as_module
    from prefect.utilities.callables import (
        parameter_schema,
        parameter_schema_from_entrypoint,
    )

    print(json.dumps({"prefect_version": prefect.__version__}), flush=True)
    if listing is None:
        found = entrypoints(Flow, load_script_as_module)
    else:
        from prefect.flows import load_flow_from_entrypoint

        found = []
        for ep in listing:
            try:
                found.append((ep, load_flow_from_entrypoint(ep)))
            except BaseException as exc:
                print(json.dumps({"entrypoint": ep, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    for ep, flow in found:
        row = {"entrypoint": ep}
        try:
            # The object load_flow_from_entrypoint(ep) returns: the file is
            # loaded once for all its flows rather than once per flow.
            row["schema"] = dump(parameter_schema(flow))
        except BaseException as exc:  # a broken case must not stop the others
            row["error"] = f"{type(exc).__name__}: {exc}"
        func = ep.rsplit(":", 1)[1]
        if fallback and "." not in func:
            try:
                row["fallback"] = dump(parameter_schema_from_entrypoint(ep))
            except BaseException as exc:
                row["fallback_error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(row, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
