// Real `boardingpass-emulator` processes for the tests (the binary
// `cargo build -p boardingpass-emulator` makes), one per configuration,
// started on first use and stopped when the test JVM exits.
package dev.boardingpass

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.ConcurrentHashMap

val REPO: File = File(System.getProperty("boardingpass.repo") ?: "../..").canonicalFile

const val OWNER = "Ada Lovelace"
const val HELLO = "export default { async fetch(request, env) { return new Response('hello ' + (env.WHO ?? 'world')) } }"

fun hello(name: String = "hello"): Worker = Worker.fromSource(name, "index.js", HELLO)

class Emulator private constructor(args: List<String>) {
    private val process: Process
    /** API base, e.g. http://127.0.0.1:PORT/client/v4 */
    val base: String
    val origin: String

    init {
        val binary = System.getenv("BOARDINGPASS_EMULATOR") ?: File(REPO, "target/debug/boardingpass-emulator").path
        check(File(binary).canExecute()) { "$binary is missing: run `cargo build -p boardingpass-emulator` (make test-kotlin does)" }
        process = ProcessBuilder(listOf(binary, "--port", "0", "--test-control", "--rate-limit", "0") + args)
            .directory(REPO)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        val stdout = process.inputStream.bufferedReader()
        val line = stdout.readLine() ?: ""
        check("listening on " in line) { "the emulator did not start: $line" }
        // Keep draining its output so it never blocks on a full pipe.
        Thread { stdout.useLines { lines -> lines.forEach { } } }.apply { isDaemon = true }.start()
        base = line.substringAfterLast(' ').trim()
        origin = base.substringBefore("/client/v4")
    }

    fun client(
        timeout: java.time.Duration? = null,
        maxAttempts: UInt? = null,
        auditLog: String? = null,
        jobId: String? = null,
        powWorkCap: ULong? = null,
    ): Client = Client(
        apiBase = base, acceptTerms = true, timeout = timeout, maxAttempts = maxAttempts,
        auditLog = auditLog, jobId = jobId, powWorkCap = powWorkCap,
    )

    fun post(path: String, body: String? = null, headers: Map<String, String> = emptyMap()): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create(origin + path))
            .POST(HttpRequest.BodyPublishers.ofString(body ?: ""))
            .header("content-type", "application/json")
            .apply { headers.forEach { (k, v) -> header(k, v) } }
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    /** What the owner's Claim button on the claim page does. */
    fun claim(pass: Pass): Int {
        val token = pass.claimUrl().expose().substringAfter("claimToken=")
        return post("/x-boardingpass/claim", headers = mapOf("X-Claim-Token" to token)).first
    }

    /** Scripted fault: the next `times` requests whose path contains [pathContains] get [json]'s answer. */
    fun fault(pathContains: String, json: String) {
        val (status, text) = post("/x-boardingpass/test/faults", """{"path_contains": "$pathContains", $json}""")
        check(status == 204) { text }
    }

    companion object {
        private val http: HttpClient = HttpClient.newHttpClient()
        private val running = ConcurrentHashMap<List<String>, Emulator>()

        init {
            Runtime.getRuntime().addShutdownHook(Thread { running.values.forEach { it.process.destroy() } })
        }

        private fun of(vararg args: String): Emulator = running.computeIfAbsent(args.toList()) { Emulator(it) }

        /** Fast proof of work (k=20, g=50). */
        fun fast() = of("--pow-k", "20", "--pow-g", "50")

        /** Passes expire after 3 seconds. */
        fun shortLived() = of("--pow-k", "20", "--pow-g", "50", "--lifetime", "3")

        /** A proof of work of 16 M hashes: seconds of CPU. */
        fun slowPow() = of("--pow-k", "4000", "--pow-g", "4000")
    }
}
