// A small JSON reader for the test vectors. Objects keep the exact source text of every value, so an
// offer can be handed to the engine as written.

enum JSONValue {
    case object([String: JSONValue], keys: [String], text: String)
    case array([JSONValue], text: String)
    case string(String, text: String)
    case number(Double, text: String)
    case bool(Bool, text: String)
    case null(text: String)

    var text: String {
        switch self {
        case .object(_, _, let text), .array(_, let text), .string(_, let text), .number(_, let text),
            .bool(_, let text), .null(let text):
            return text
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members, _, _) = self { return members[key] }
        return nil
    }

    var keys: Set<String> {
        if case .object(_, let keys, _) = self { return Set(keys) }
        return []
    }

    var string: String? {
        if case .string(let value, _) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value, _) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value, _) = self { return value }
        return nil
    }

    var list: [JSONValue]? {
        if case .array(let items, _) = self { return items }
        return nil
    }

    /// Structural equality: member order ignored, numbers compared by value.
    func same(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a, _, _), .object(let b, _, _)):
            return Set(a.keys) == Set(b.keys) && a.allSatisfy { key, value in value.same(as: b[key]!) }
        case (.array(let a, _), .array(let b, _)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.same(as: $1) }
        case (.string(let a, _), .string(let b, _)): return a == b
        case (.number(let a, _), .number(let b, _)): return a == b
        case (.bool(let a, _), .bool(let b, _)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ source: String) throws -> JSONValue {
        var reader = Reader(scalars: Array(source.unicodeScalars))
        let value = try reader.value()
        reader.skipSpace()
        guard reader.pos == reader.scalars.count else { throw ParseError(description: "trailing text") }
        return value
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        var pos = 0

        mutating func skipSpace() {
            while pos < scalars.count, " \t\r\n".unicodeScalars.contains(scalars[pos]) { pos += 1 }
        }

        func slice(_ start: Int) -> String {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[start..<pos])
            return String(text)
        }

        mutating func next() throws -> Unicode.Scalar {
            guard pos < scalars.count else { throw ParseError(description: "unexpected end of JSON") }
            pos += 1
            return scalars[pos - 1]
        }

        mutating func peek() throws -> Unicode.Scalar {
            guard pos < scalars.count else { throw ParseError(description: "unexpected end of JSON") }
            return scalars[pos]
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            let start = pos
            switch try peek() {
            case "{": return try object(start)
            case "[": return try array(start)
            case "\"":
                let value = try string()
                return .string(value, text: slice(start))
            case "t": try literal("true"); return .bool(true, text: slice(start))
            case "f": try literal("false"); return .bool(false, text: slice(start))
            case "n": try literal("null"); return .null(text: slice(start))
            default:
                while pos < scalars.count, "0123456789+-.eE".unicodeScalars.contains(scalars[pos]) { pos += 1 }
                guard let number = Double(slice(start)) else { throw ParseError(description: "bad number at \(start)") }
                return .number(number, text: slice(start))
            }
        }

        mutating func literal(_ word: String) throws {
            for scalar in word.unicodeScalars where try next() != scalar {
                throw ParseError(description: "bad literal at \(pos)")
            }
        }

        mutating func object(_ start: Int) throws -> JSONValue {
            pos += 1
            var members: [String: JSONValue] = [:]
            var keys: [String] = []
            skipSpace()
            if try peek() == "}" {
                pos += 1
                return .object(members, keys: keys, text: slice(start))
            }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                guard try next() == ":" else { throw ParseError(description: "expected ':' at \(pos)") }
                members[key] = try value()
                keys.append(key)
                skipSpace()
                switch try next() {
                case ",": continue
                case "}": return .object(members, keys: keys, text: slice(start))
                default: throw ParseError(description: "expected ',' or '}' at \(pos)")
                }
            }
        }

        mutating func array(_ start: Int) throws -> JSONValue {
            pos += 1
            var items: [JSONValue] = []
            skipSpace()
            if try peek() == "]" {
                pos += 1
                return .array(items, text: slice(start))
            }
            while true {
                items.append(try value())
                skipSpace()
                switch try next() {
                case ",": continue
                case "]": return .array(items, text: slice(start))
                default: throw ParseError(description: "expected ',' or ']' at \(pos)")
                }
            }
        }

        mutating func string() throws -> String {
            guard try next() == "\"" else { throw ParseError(description: "expected a string at \(pos)") }
            var out = String.UnicodeScalarView()
            var pendingHigh: UInt32?
            while true {
                let scalar = try next()
                switch scalar {
                case "\"": return String(out)
                case "\\":
                    let escape = try next()
                    switch escape {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "b": out.append(Unicode.Scalar(8))
                    case "f": out.append(Unicode.Scalar(12))
                    case "u":
                        var hex = ""
                        for _ in 0..<4 { hex.unicodeScalars.append(try next()) }
                        guard let unit = UInt32(hex, radix: 16) else { throw ParseError(description: "bad \\u escape") }
                        if (0xD800..<0xDC00).contains(unit) {
                            pendingHigh = unit
                        } else if let high = pendingHigh, (0xDC00..<0xE000).contains(unit) {
                            let combined = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                            out.append(Unicode.Scalar(combined)!)
                            pendingHigh = nil
                        } else if let decoded = Unicode.Scalar(unit) {
                            out.append(decoded)
                        } else {
                            throw ParseError(description: "lone surrogate in \\u escape")
                        }
                    default: out.append(escape)
                    }
                default: out.append(scalar)
                }
            }
        }
    }
}
