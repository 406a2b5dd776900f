// The official OpenAI client against `gpt2j serve`: node openai_client.mjs BASE_URL ECHO_PROMPT
// Prints one JSON object with what the client received; the Java test checks it.
import OpenAI from "openai";

const [base, echoPrompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + "/v1", apiKey: "not-needed", maxRetries: 0 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const plain = await client.completions.create({
  model: out.models[0], prompt: "And it came to pass", max_tokens: 16, temperature: 0,
});
out.text = plain.choices[0].text;
out.finish_reason = plain.choices[0].finish_reason;
out.usage = plain.usage;

const stream = await client.completions.create({
  model: out.models[0], prompt: "And it came to pass", max_tokens: 16, temperature: 0, stream: true,
});
out.streamed = "";
for await (const chunk of stream) out.streamed += chunk.choices[0]?.text ?? "";

const echo = await client.completions.create({
  model: out.models[0], prompt: echoPrompt, max_tokens: 0, echo: true, logprobs: 5,
});
out.echo = { text: echo.choices[0].text, logprobs: echo.choices[0].logprobs };

try {
  await client.completions.create({ model: out.models[0], prompt: "x", temperature: 5 });
  out.error = null;
} catch (e) {
  out.error = { status: e.status, message: e.message, param: e.param ?? e.error?.param ?? null };
}
console.log(JSON.stringify(out));
