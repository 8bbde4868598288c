# Copyright 2026 the arcly authors. MIT license.
#
# The workerd host: `workerd test config.capnp` calls test() on every export of
# the worker module. ../dist/ is written by `deno task test:runtimes`: mod.js is
# the bundled package, cases.js the bundled cases importing ./mod.js, and
# worker.js has one export per case (see worker.ts).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "cases", worker = .casesWorker) ],
);

const casesWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../dist/worker.js"),
    (name = "cases.js", esModule = embed "../dist/cases.js"),
    (name = "mod.js", esModule = embed "../dist/mod.js"),
  ],
  compatibilityDate = "2025-09-01",
);
