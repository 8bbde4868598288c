// Copyright 2026 the arcly authors. MIT license.

// The recipe's Worker and Durable Object, with a short heartbeat and a
// `/listeners` route for the test to read the hub's listener count.
import worker, {
  EventHub as RecipeHub,
} from "../../examples/sse/workerd/worker.ts";
import { handle } from "../../examples/sse/app.ts";

/** The recipe's hub, observable. */
export class EventHub extends RecipeHub {
  override fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/listeners") {
      return Promise.resolve(new Response(String(this.bus.listenerCount())));
    }
    return handle(this.bus, request, { heartbeat: 200 });
  }
}

export default worker;
