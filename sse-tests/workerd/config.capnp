# Copyright 2026 the arcly authors. MIT license.
#
# The test hub (hub_worker.ts, bundled to ../dist/hub_worker.js by
# runtimes.ts): workerd serve config.capnp --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "../dist/hub_worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "HUB", durableObjectNamespace = "EventHub") ],
  durableObjectNamespaces = [
    (className = "EventHub", uniqueKey = "arcly-bus-sse-test"),
  ],
  durableObjectStorage = (inMemory = void),
);
