// The Worker builder beyond one source file: modules, a JSON variable and
// static assets deployed and answering; bad builder input refused locally.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ModuleKind
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class WorkerBuilderTest {
    @Test
    fun `a Worker built from modules, a JSON variable and assets deploys`(@TempDir tmp: Path): Unit = runBlocking {
        val site = tmp.resolve("site").toFile().apply { mkdirs() }
        site.resolve("about.html").writeText("<p>about us</p>")
        val index = """
            import { greet } from './lib.js';
            import note from './note.txt';
            export default { fetch(r, env) {
              const u = new URL(r.url);
              return u.pathname === '/' ? new Response(greet() + ' ' + note + ' ' + env.CONFIG.tags.join('+')) : env.ASSETS.fetch(r)
            } }
        """.trimIndent()
        val worker = Worker("multi")
            .withModule("index.js", index.toByteArray(), main = true)
            .withModule("lib.js", "export function greet() { return 'from a module' }".toByteArray())
            .withModule("note.txt", "and a text module".toByteArray(), kind = ModuleKind.TEXT)
            .withJsonVar("CONFIG", """{"tags": ["a", "b"], "strict": true}""")
            .withAssets(site.path, binding = "ASSETS")
        assertEquals(listOf("index.js", "lib.js", "note.txt"), worker.moduleNames())
        assertEquals(listOf("CONFIG"), worker.bindingNames())
        Emulator.fast().client().use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(worker)
            assertEquals(1u, deployment.assetsTotal)
            pass.verify(deployment, expectBodyContains = "from a module and a text module a+b")
            pass.verify(deployment, path = "/about", expectBodyContains = "about us")
        }
    }

    @Test
    fun `bad builder input is refused with a typed error`() {
        val base = Worker("bad")
        raises<BoardingpassException.InvalidInput>("data.xyz") { base.withModule("data.xyz", byteArrayOf(1)) }
        raises<BoardingpassException.InvalidInput>("json_var") { base.withJsonVar("X", "{not json") }
        raises<BoardingpassException.InvalidInput>("run_worker_first") { base.withAssets("/srv", runWorkerFirst = "[/api") }
        assertEquals(emptyList<String>(), base.moduleNames() + base.bindingNames())
    }
}
