// A small JSON reader for the test vectors (the Kotlin standard library has none). Objects keep member
// order and the exact source text of every value, so an offer can be handed to the engine as written.
package org.credoffer.tests

sealed class Json {
    abstract val text: String

    data class Obj(val members: LinkedHashMap<String, Json>, override val text: String) : Json()
    data class Arr(val items: List<Json>, override val text: String) : Json()
    data class Str(val value: String, override val text: String) : Json()
    data class Num(val value: Double, override val text: String) : Json()
    data class Bool(val value: Boolean, override val text: String) : Json()
    data class Null(override val text: String) : Json()

    /** Structural equality: member order ignored, numbers compared by value, source text ignored. */
    fun sameAs(other: Json): Boolean = when (this) {
        is Obj -> other is Obj && members.keys == other.members.keys &&
            members.all { (k, v) -> v.sameAs(other.members.getValue(k)) }
        is Arr -> other is Arr && items.size == other.items.size && items.indices.all { items[it].sameAs(other.items[it]) }
        is Str -> other is Str && value == other.value
        is Num -> other is Num && value == other.value
        is Bool -> other is Bool && value == other.value
        is Null -> other is Null
    }

    operator fun get(key: String): Json? = (this as? Obj)?.members?.get(key)
    val string: String get() = (this as? Str)?.value ?: error("not a string: $text")
    val bool: Boolean get() = (this as? Bool)?.value ?: error("not a boolean: $text")
    val number: Double get() = (this as? Num)?.value ?: error("not a number: $text")
    val list: List<Json> get() = (this as? Arr)?.items ?: error("not an array: $text")
    val keys: Set<String> get() = (this as? Obj)?.members?.keys ?: error("not an object: $text")

    companion object {
        fun parse(source: String): Json {
            val reader = Reader(source)
            val value = reader.value()
            reader.skipSpace()
            require(reader.pos == source.length) { "trailing text at ${reader.pos}" }
            return value
        }
    }

    private class Reader(val src: String) {
        var pos = 0

        fun skipSpace() {
            while (pos < src.length && src[pos] in " \t\r\n") pos++
        }

        fun value(): Json {
            skipSpace()
            require(pos < src.length) { "unexpected end of JSON" }
            val start = pos
            return when (src[pos]) {
                '{' -> obj(start)
                '[' -> arr(start)
                '"' -> { val s = str(); Str(s, src.substring(start, pos)) }
                't' -> literal("true", start) { Bool(true, it) }
                'f' -> literal("false", start) { Bool(false, it) }
                'n' -> literal("null", start) { Null(it) }
                else -> num(start)
            }
        }

        private fun literal(word: String, start: Int, make: (String) -> Json): Json {
            require(src.startsWith(word, pos)) { "bad literal at $pos" }
            pos += word.length
            return make(src.substring(start, pos))
        }

        private fun num(start: Int): Json {
            while (pos < src.length && (src[pos].isDigit() || src[pos] in "+-.eE")) pos++
            val text = src.substring(start, pos)
            return Num(text.toDoubleOrNull() ?: error("bad number $text at $start"), text)
        }

        private fun obj(start: Int): Json {
            pos++
            val members = LinkedHashMap<String, Json>()
            skipSpace()
            if (src[pos] == '}') { pos++; return Obj(members, src.substring(start, pos)) }
            while (true) {
                skipSpace()
                require(src[pos] == '"') { "expected a member name at $pos" }
                val key = str()
                skipSpace()
                require(src[pos] == ':') { "expected ':' at $pos" }
                pos++
                members[key] = value()
                skipSpace()
                when (src[pos++]) {
                    ',' -> continue
                    '}' -> return Obj(members, src.substring(start, pos))
                    else -> error("expected ',' or '}' at ${pos - 1}")
                }
            }
        }

        private fun arr(start: Int): Json {
            pos++
            val items = ArrayList<Json>()
            skipSpace()
            if (src[pos] == ']') { pos++; return Arr(items, src.substring(start, pos)) }
            while (true) {
                items.add(value())
                skipSpace()
                when (src[pos++]) {
                    ',' -> continue
                    ']' -> return Arr(items, src.substring(start, pos))
                    else -> error("expected ',' or ']' at ${pos - 1}")
                }
            }
        }

        private fun str(): String {
            pos++
            val out = StringBuilder()
            while (true) {
                val c = src[pos++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> when (val e = src[pos++]) {
                        'n' -> out.append('\n')
                        't' -> out.append('\t')
                        'r' -> out.append('\r')
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000c')
                        'u' -> { out.append(src.substring(pos, pos + 4).toInt(16).toChar()); pos += 4 }
                        else -> out.append(e)
                    }
                    else -> out.append(c)
                }
            }
        }
    }
}
