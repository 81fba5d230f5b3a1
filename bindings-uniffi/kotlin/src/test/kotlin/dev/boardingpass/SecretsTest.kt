// Secrets stay secret: Secret's toString is redacted and only expose() reads
// the value; a child JVM that drives every output path leaks no token, claim
// URL or secret binding to stdout, stderr or any file under its HOME.
package dev.boardingpass

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path
import java.util.concurrent.TimeUnit

class SecretsTest {
    @Test
    fun `a secret prints redacted and is read only by expose`(): Unit = runBlocking {
        Emulator.fast().client().use { client ->
            val pass = client.provision(owner = OWNER)
            for (secret in listOf(pass.apiToken(), pass.claimUrl())) {
                val value = secret.expose()
                assertTrue(value.length > 16)
                for (shown in listOf(secret.toString(), "$secret", listOf(secret).toString())) {
                    assertFalse(value in shown, shown)
                    assertTrue("[REDACTED]" in shown && secret.fingerprint() in shown, shown)
                }
            }
            assertEquals(pass.tokenFingerprint(), pass.apiToken().fingerprint())
            assertFalse(pass.apiToken().expose() in pass.toString())
        }
    }

    @Test
    fun `nothing leaks from a full run`(@TempDir tmp: Path): Unit {
        val home = tmp.resolve("home").toFile().apply { mkdirs() }
        val secretsFile = tmp.resolve("secrets.txt").toFile()
        val java = File(System.getProperty("java.home"), "bin/java").path
        val process = ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=${System.getProperty("jna.library.path")}",
            "-Duser.home=$home", "-Djava.io.tmpdir=$home",
            "dev.boardingpass.LeakChild", Emulator.fast().base, secretsFile.path,
        ).apply {
            environment()["HOME"] = home.path
            environment()["TMPDIR"] = home.path
            environment()["RUST_LOG"] = "trace"
            environment()["RUST_BACKTRACE"] = "1"
            redirectOutput(tmp.resolve("stdout.txt").toFile())
            redirectError(tmp.resolve("stderr.txt").toFile())
        }.start()
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the child finished")
        val stdout = tmp.resolve("stdout.txt").toFile().readText()
        val stderr = tmp.resolve("stderr.txt").toFile().readText()
        assertEquals(0, process.exitValue(), stderr)

        val (token, claimUrl, secretValue) = secretsFile.readLines()
        val needles = listOf(token, claimUrl, claimUrl.substringAfter("claimToken="), secretValue)
        assertTrue(needles.all { it.length >= 16 }, "real values to look for")
        val files = home.walk().filter { it.isFile }.toList()
        assertTrue(files.map { it.name }.containsAll(listOf("audit.jsonl", "ticket.json", "ticket.md")), "$files")
        assertTrue(File(home, "audit.jsonl").readLines().size >= 5, "the audit log was written")
        // What was printed really is the run's output, so the scan is not vacuous.
        assertTrue("[REDACTED]" in stdout && "leaky" in stdout && "\"schema\"" in stdout, stdout)
        // The audit listener printed every event, the failures included.
        assertTrue("audit AuditEvent(" in stdout && "event=PROVISIONED" in stdout && "event=FAILED" in stdout, stdout)
        assertTrue("InvalidInput" in stderr && "Verification" in stderr && "PassRevoked" in stderr, stderr)
        val outputs = mapOf("stdout" to stdout, "stderr" to stderr) + files.associate { it.path to it.readText() }
        for ((where, text) in outputs) for (needle in needles) {
            assertFalse(needle in text, "a secret (${needle.take(6)}…) leaked into $where")
        }
    }
}
