// The Worker the Python examples deploy: one ES module, no build step.
export default {
  async fetch(request) {
    return new Response(`hello from ${new URL(request.url).hostname}\n`, {
      headers: { "content-type": "text/plain" },
    });
  },
};
