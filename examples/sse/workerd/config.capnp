# Copyright 2026 the arcly authors. MIT license.
#
# workerd serve examples/sse/workerd/config.capnp
# (after bundling worker.ts to dist/worker.js, see worker.ts). Another port:
# --socket-addr http=127.0.0.1:9000
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "dist/worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "HUB", durableObjectNamespace = "EventHub") ],
  durableObjectNamespaces = [
    (className = "EventHub", uniqueKey = "arcly-bus-sse-example"),
  ],
  durableObjectStorage = (inMemory = void),
);
