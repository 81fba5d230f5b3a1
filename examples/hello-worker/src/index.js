// A Worker with a dynamic route and static assets: /api/hello answers from
// code, everything else is served from ./public by the assets binding.
import { banner } from "./banner.js";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") {
      return Response.json({ message: env.GREETING, banner: banner(), path: url.pathname });
    }
    return env.ASSETS.fetch(request);
  },
};
