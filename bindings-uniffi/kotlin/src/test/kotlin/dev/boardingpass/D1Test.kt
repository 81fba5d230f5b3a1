// D1 through the Kotlin API (core's calls, converted): the guestbook
// project deployed with its migrations, KV counter and D1 table (POST
// entries, GET them, redeploy keeps the data); direct D1 calls with every
// value type of the sealed D1Value; migrations as wrangler records them;
// SQLite's refusal as BoardingpassException.Sql with nothing kept;
// cancellation dropping the Rust future; no credential in results, errors
// or the ticket.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import dev.boardingpass.core.D1Value
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.net.Socket
import java.net.URI

private val GUESTBOOK = File(REPO, "tests/fixtures/projects/7-guestbook")

/**
 * One HTTP/1.1 exchange with a deployed Worker through the emulator's port,
 * named by its Host header (which java.net.http does not let a caller set).
 * Returns the status and the JSON document of the body.
 */
fun callWorker(url: String, path: String, json: String? = null): Pair<Int, JSONObject> {
    val target = URI(url)
    Socket("127.0.0.1", target.port).use { socket ->
        val body = (json ?: "").toByteArray()
        val head = "${if (json == null) "GET" else "POST"} $path HTTP/1.1\r\nHost: ${target.authority}\r\n" +
            "Content-Type: application/json\r\nContent-Length: ${body.size}\r\nConnection: close\r\n\r\n"
        socket.getOutputStream().apply { write(head.toByteArray() + body); flush() }
        val answer = socket.getInputStream().readBytes().decodeToString()
        val status = answer.substringAfter(' ').substringBefore(' ').toInt()
        // The document whether or not the body came chunked.
        val payload = answer.substringAfter("\r\n\r\n")
        return status to JSONObject(payload.substring(payload.indexOf('{'), payload.lastIndexOf('}') + 1))
    }
}

private fun Pass.assertNoSecretIn(vararg outputs: Any?) {
    val seen = outputs.joinToString("\n")
    for (secret in listOf(apiToken().expose(), claimUrl().expose())) assertFalse(secret in seen, "a credential in D1 output")
}

private fun Throwable.fullText(): String = stackTraceToString()

class D1Test {
    private val emu = Emulator.fast()

    @Test
    fun `the guestbook keeps its data across a redeploy`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val worker = Worker.fromPath(GUESTBOOK.path)
            assertEquals(setOf("COUNTER", "DB"), worker.bindingNames().toSet())
            val first = pass.deploy(worker)
            assertEquals(201 to 1, callWorker(first.url, "/entries", """{"name": "Ada", "message": "hello"}""").let { it.first to it.second.getInt("count") })
            assertEquals(201 to 2, callWorker(first.url, "/entries", """{"name": "Grace", "message": "hi"}""").let { it.first to it.second.getInt("count") })
            val (status, listing) = callWorker(first.url, "/entries")
            assertEquals(200 to 2, status to listing.getInt("count"))
            val entries = listing.getJSONArray("entries")
            assertEquals(listOf("Ada" to "hello", "Grace" to "hi"), (0 until entries.length()).map { entries.getJSONObject(it).let { e -> e.getString("name") to e.getString("message") } })

            val again = pass.deploy(worker)
            assertTrue(again.redeploy)
            assertEquals(3, callWorker(again.url, "/entries", """{"name": "Linus", "message": "again"}""").second.getInt("count"))
            assertEquals(3, callWorker(again.url, "/entries").second.getJSONArray("entries").length(), "the redeploy keeps the data")

            val db = pass.d1Databases().single()
            assertEquals("guestbook", db.name)
            val ns = pass.kvNamespaces().single()
            assertEquals("3", pass.kvGet(ns.id, "posts")!!.decodeToString())
            val names = pass.d1Query(db.uuid, "SELECT name FROM entries WHERE likes = ? ORDER BY id", listOf(D1Value.Integer(0))).single()
            assertEquals(listOf("name"), names.columns)
            assertEquals(listOf("Ada", "Grace", "Linus").map { listOf(D1Value.Text(it)) }, names.rows)
            val applied = pass.d1Query(db.uuid, "SELECT name FROM d1_migrations ORDER BY id").single().rows
            assertEquals(listOf("0001_create.sql", "0002_likes.sql").map { listOf(D1Value.Text(it)) }, applied)
            assertEquals(emptyList<String>(), pass.d1ApplyMigrations(db.uuid, File(GUESTBOOK, "migrations").path), "already applied")

            pass.verify(again, path = "/entries")
            val ticket = pass.ticket(ClaimStatus.PENDING)
            val resources = JSONObject(ticket.toJson()).getJSONObject("temporary_resource").getJSONArray("resources")
            val listed = (0 until resources.length()).map { resources.getJSONObject(it) }.map { Triple(it.getString("type"), it.getString("name"), it.getString("id")) }
            assertEquals(setOf(Triple("d1_database", "guestbook", db.uuid), Triple("kv_namespace", ns.title, ns.id)), listed.toSet())
            pass.assertNoSecretIn(ticket.toJson(), ticket.toMarkdown(), names, pass.d1Databases())
        }
    }

    @Test
    fun `a Worker built in code gets its migrations`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val migrations = File(GUESTBOOK, "migrations").path
            raises<BoardingpassException.InvalidInput>("not a D1 binding") { pass.deploy(hello("code-guestbook").withD1Migrations("DB", migrations)) }
            pass.deploy(hello("code-guestbook").withD1("DB", "code-guestbook").withD1Migrations("DB", migrations))
            val db = pass.d1Databases().single()
            assertEquals(listOf(listOf(D1Value.Integer(0))), pass.d1Query(db.uuid, "SELECT count(*) FROM entries").single().rows)
        }
    }

    @Test
    fun `queries, values, migrations and SQL errors`(@TempDir tmp: File): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val db = pass.createD1Database("notes")
            assertEquals("notes", db.name)
            assertEquals(listOf(db.uuid), pass.d1Databases().map { it.uuid })

            val (created, inserted) = pass.d1Query(
                db.uuid,
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, score REAL, data BLOB, extra); " +
                    "INSERT INTO notes (body, score, data, extra) VALUES (?, ?, ?, ?)",
                listOf(D1Value.Text("héllo"), D1Value.Real(2.5), D1Value.Blob(byteArrayOf(0, -1)), D1Value.Null),
            )
            assertEquals(emptyList<String>(), created.columns)
            assertEquals(1L to 1L, inserted.meta.changes to inserted.meta.lastRowId)
            val result = pass.d1Query(db.uuid, "SELECT id, body, score, data, extra FROM notes").single()
            assertEquals(listOf("id", "body", "score", "data", "extra"), result.columns)
            val row = result.rows.single()
            assertEquals(listOf(D1Value.Integer(1), D1Value.Text("héllo"), D1Value.Real(2.5)), row.take(3))
            assertArrayEquals(byteArrayOf(0, -1), (row[3] as D1Value.Blob).v1)
            assertEquals(D1Value.Null, row[4])
            assertTrue(result.meta.rowsRead >= 1L && result.meta.durationMs >= 0.0)

            raises<BoardingpassException.InvalidInput>("empty") { pass.d1Query(db.uuid, "   ") }
            raises<BoardingpassException.InvalidInput>("database_id") { pass.d1Query("../workers", "SELECT 1") }

            // A refused statement: SQLite's message, and the statements before it are not kept.
            val refused = raises<BoardingpassException.Sql>("syntax error") { pass.d1Query(db.uuid, "INSERT INTO notes (body) VALUES ('kept?'); SELEC 1") }
            assertEquals("sql", refused.code)
            assertEquals(listOf(listOf(D1Value.Integer(1))), pass.d1Query(db.uuid, "SELECT count(*) FROM notes").single().rows, "the failing call changed nothing")

            val dir = File(tmp, "migrations").apply { mkdirs() }
            File(dir, "0001_tags.sql").writeText("CREATE TABLE tags (name TEXT PRIMARY KEY);")
            File(dir, "0002_seed.sql").writeText("INSERT INTO tags VALUES ('a'), ('b');")
            assertEquals(listOf("0001_tags.sql", "0002_seed.sql"), pass.d1ApplyMigrations(db.uuid, dir.path))
            File(dir, "0003_broken.sql").writeText("INSERT INTO nowhere VALUES (1);")
            val broken = raises<BoardingpassException.Sql>("0003_broken.sql") { pass.d1ApplyMigrations(db.uuid, dir.path) }
            assertTrue("no such table" in broken.message!!, broken.message)
            assertEquals(listOf(listOf(D1Value.Integer(2))), pass.d1Query(db.uuid, "SELECT count(*) FROM tags").single().rows)

            val second = assertThrows<BoardingpassException> { runBlocking { pass.createD1Database("another") } }
            pass.assertNoSecretIn(result, pass.d1Databases(), refused.fullText(), broken.fullText(), second.fullText())

            pass.deleteD1Database(db.uuid)
            assertEquals(emptyList<Any>(), pass.d1Databases())
        }
    }

    @Test
    fun `cancelling a query drops the Rust future`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val db = pass.createD1Database("slow")
            emu.fault("${db.uuid}/raw", """"kind": "delay", "delay_ms": 60000""")
            assertCancelDropsFuture { pass.d1Query(db.uuid, "SELECT 1") }
            assertEquals(listOf(listOf(D1Value.Integer(1))), pass.d1Query(db.uuid, "SELECT 1").single().rows)
        }
    }
}
