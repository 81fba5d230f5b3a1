// OTLP export from Kotlin: a client's otlpEndpoint (or
// OTEL_EXPORTER_OTLP_ENDPOINT) sends the spans and audit events of a whole
// flow to a collector, flushed when the JVM exits, with no credential in what
// the collector received. The flow runs in a child JVM: the exporter is
// installed once per process.
package dev.boardingpass

import com.sun.net.httpserver.HttpServer
import dev.boardingpass.core.BoardingpassException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.io.ByteArrayOutputStream
import java.io.File
import java.net.InetSocketAddress
import java.nio.file.Path
import java.util.concurrent.TimeUnit

object TelemetryChild {
    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        val (base, collector, secretsFile, viaEnv) = args
        val endpoint = if (viaEnv == "env") null else collector
        Client(apiBase = base, acceptTerms = true, jobId = "job-otlp", otlpEndpoint = endpoint).use { client ->
            val pass = client.provision(owner = OWNER)
            val worker = Worker.fromSource("traced", "index.js", "export default { fetch() { return new Response('traced') } }")
            pass.verify(pass.deploy(worker))
            File(secretsFile).writeText(listOf(pass.apiToken().expose(), pass.claimUrl().expose()).joinToString("\n"))
        }
        // A second collector in this process is refused.
        val e = runCatching { Client(apiBase = base, otlpEndpoint = "http://127.0.0.1:9") }.exceptionOrNull()
        check(e is BoardingpassException.InvalidInput && collector in e.message.orEmpty()) { "second collector: $e" }
    }
}

class TelemetryTest {
    @ParameterizedTest
    @ValueSource(strings = ["option", "env"])
    fun `a flow reaches the collector without secrets`(via: String, @TempDir tmp: Path) {
        val received = ByteArrayOutputStream()
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/") { exchange ->
            val body = exchange.requestBody.readNBytes(16 shl 20)
            synchronized(received) { received.write(body) }
            exchange.sendResponseHeaders(200, -1)
            exchange.close()
        }
        server.start()
        try {
            val collector = "http://127.0.0.1:${server.address.port}"
            val secretsFile = tmp.resolve("secrets.txt").toFile()
            val java = File(System.getProperty("java.home"), "bin/java").path
            val process = ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"),
                "-Djna.library.path=${System.getProperty("jna.library.path")}",
                "dev.boardingpass.TelemetryChild", Emulator.fast().base, collector, secretsFile.path, via,
            ).apply {
                if (via == "env") environment()["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector
                redirectErrorStream(true)
                redirectOutput(tmp.resolve("output.txt").toFile())
            }.start()
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the child finished")
            assertEquals(0, process.exitValue(), tmp.resolve("output.txt").toFile().readText())

            val text = synchronized(received) { String(received.toByteArray(), Charsets.ISO_8859_1) }
            // Span names and audit event names travel as plain strings in the protobuf.
            for (name in listOf("provision", "proof_of_work", "deploy", "verify", "provisioned", "deploy_finished", "verified", "job-otlp")) {
                assertTrue(name in text, "$name did not reach the collector")
            }
            val (token, claimUrl) = secretsFile.readLines()
            for (secret in listOf(token, claimUrl, claimUrl.substringAfter("claimToken="))) {
                assertFalse(secret in text, "a secret (${secret.take(6)}…) reached the collector")
            }
        } finally {
            server.stop(0)
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["not a url", "ftp://127.0.0.1:4318"])
    fun `a bad endpoint is refused before anything happens`(bad: String): Unit {
        val e = runCatching { Client(apiBase = Emulator.fast().base, otlpEndpoint = bad) }.exceptionOrNull()
        assertTrue(e is BoardingpassException.InvalidInput, "$e")
        val message = e?.message.orEmpty()
        assertTrue("otlp_endpoint" in message && "http" in message, message)
    }
}
