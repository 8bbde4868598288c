# Copyright 2026 the arcly authors. MIT license.
#
# The workerd host: `workerd test config.capnp` calls test() on every export of
# the worker module. ../dist/ is written by `deno task test:runtimes`:
# suite.js is the bundled suite with its Deno.test shim, and worker.js has one
# export per test (see worker.ts). nodejs_compat provides node:assert/strict.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "suite", worker = .suiteWorker) ],
);

const suiteWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../dist/worker.js"),
    (name = "suite.js", esModule = embed "../dist/suite.js"),
  ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
);
