// Workers KV through the Kotlin API (core's calls, converted): a round trip
// of text and bytes, a listing page by page with its cursor, bulk writes,
// bad input as typed errors before any request, cancellation dropping the
// Rust future, a deployed Worker's env.KV via withKv, and no credential in
// what KV hands back.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import dev.boardingpass.core.KvPair
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

const val COUNTER = """export default { async fetch(req, env) {
  const n = Number(await env.KV.get("count") ?? "0") + 1;
  await env.KV.put("count", String(n));
  return new Response(String(n));
} }"""

class KvTest {
    private val emu = Emulator.fast()

    @Test
    fun `values round trip as text and bytes`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val ns = pass.createKvNamespace("guestbook")
            assertEquals("guestbook", ns.title)
            assertTrue(Regex("[0-9a-f]{32}").matches(ns.id), ns.id)
            assertEquals(listOf(ns.id), pass.kvNamespaces().map { it.id })
            pass.kvPut(ns.id, "text", "héllo".toByteArray())
            pass.kvPut(ns.id, "a/b?c", byteArrayOf(0, -1))
            assertEquals("héllo", pass.kvGet(ns.id, "text")!!.decodeToString())
            assertArrayEquals(byteArrayOf(0, -1), pass.kvGet(ns.id, "a/b?c"))
            assertNull(pass.kvGet(ns.id, "missing"))
            pass.kvDelete(ns.id, "text")
            assertNull(pass.kvGet(ns.id, "text"))
            pass.deleteKvNamespace(ns.id)
            assertEquals(emptyList<Any>(), pass.kvNamespaces())
        }
    }

    @Test
    fun `bulk writes and a listing page by page`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val ns = pass.createKvNamespace("entries")
            val names = (0 until 15).map { "entry/%02d".format(it) }
            pass.kvPutBulk(ns.id, names.mapIndexed { i, key -> KvPair(key, "$i".toByteArray()) } + KvPair("entry/raw", byteArrayOf(1, -2)))
            pass.kvPut(ns.id, "other", "x".toByteArray())
            val page = pass.kvList(ns.id, prefix = "entry/", limit = 10u)
            assertEquals(names.take(10), page.keys.map { it.name })
            val rest = pass.kvList(ns.id, prefix = "entry/", cursor = page.cursor!!)
            assertEquals(names.drop(10) + "entry/raw", rest.keys.map { it.name })
            assertNull(rest.cursor)
            assertEquals("14", pass.kvGet(ns.id, "entry/14")!!.decodeToString())
            assertArrayEquals(byteArrayOf(1, -2), pass.kvGet(ns.id, "entry/raw"), "a value that is not UTF-8 survives the bulk write")
            assertEquals(17, pass.kvList(ns.id).keys.size)
        }
    }

    @Test
    fun `bad input is a typed error and changes nothing`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val ns = pass.createKvNamespace("limits")
            raises<BoardingpassException.InvalidInput>("513") { pass.kvPut(ns.id, "k".repeat(513), "v".toByteArray()) }
            raises<BoardingpassException.InvalidInput>("25 MiB") { pass.kvPut(ns.id, "big", ByteArray((25 shl 20) + 1)) }
            raises<BoardingpassException.InvalidInput>("513") { pass.kvPutBulk(ns.id, listOf(KvPair("ok", byteArrayOf()), KvPair("k".repeat(513), byteArrayOf()))) }
            raises<BoardingpassException.InvalidInput>("limit") { pass.kvList(ns.id, limit = 5u) }
            raises<BoardingpassException.InvalidInput>("namespace_id") { pass.kvGet("../workers", "k") }
            raises<BoardingpassException.InvalidInput>("title") { pass.createKvNamespace("") }
            assertEquals(emptyList<Any>(), pass.kvList(ns.id).keys, "nothing was written")
            raises<BoardingpassException.Api>("10014") { pass.createKvNamespace("limits") }
        }
    }

    @Test
    fun `cancelling a KV call drops the Rust future`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val ns = pass.createKvNamespace("slow")
            emu.fault("${ns.id}/values/slow", """"kind": "delay", "delay_ms": 60000""")
            assertCancelDropsFuture { pass.kvGet(ns.id, "slow") }
            pass.kvPut(ns.id, "slow", "now".toByteArray())
            assertEquals("now", pass.kvGet(ns.id, "slow")!!.decodeToString())
        }
    }

    @Test
    fun `a Worker bound with withKv keeps its data across a redeploy`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val worker = Worker.fromSource("counter", "index.js", COUNTER).withKv("KV", "counter-data")
            assertEquals(listOf("KV"), worker.bindingNames())
            val first = pass.deploy(worker)
            assertEquals("1", pass.verify(first).bodyPrefix)
            assertEquals("2", pass.verify(first).bodyPrefix)
            val ns = pass.kvNamespaces().single()
            assertEquals("counter-data", ns.title)
            assertEquals("2", pass.kvGet(ns.id, "count")!!.decodeToString())
            val second = pass.deploy(worker.withVar("V", "2"))
            assertTrue(second.redeploy)
            assertEquals("3", pass.verify(second).bodyPrefix, "the redeploy keeps the data")
            assertEquals(1, pass.kvNamespaces().size)
            // The same namespace bound by id.
            val byId = pass.deploy(Worker.fromSource("counter2", "index.js", COUNTER).withKvId("KV", ns.id))
            assertEquals("4", pass.verify(byId).bodyPrefix)

            val ticket = JSONObject(pass.ticket(ClaimStatus.PENDING).toJson())
            val resources = ticket.getJSONObject("temporary_resource").getJSONArray("resources")
            val kv = (0 until resources.length()).map { resources.getJSONObject(it) }.single { it.getString("type") == "kv_namespace" }
            assertEquals("counter-data" to ns.id, kv.getString("name") to kv.getString("id"))
            // Nothing KV hands back, or raises, carries a credential.
            val failure = assertThrows<BoardingpassException> { runBlocking { pass.kvList(ns.id, limit = 1u) } }
            val seen = listOf(pass.kvNamespaces(), pass.kvList(ns.id), resources, failure.message).joinToString()
            for (secret in listOf(pass.apiToken().expose(), pass.claimUrl().expose())) assertFalse(secret in seen)
        }
    }
}
