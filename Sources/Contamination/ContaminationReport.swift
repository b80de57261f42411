import Checkpoints
import Foundation
import JSON

extension ContaminationRule {
    /// The rule in words, for report headers.
    public var summary: String {
        switch self {
        case .ngram(let size, let threshold):
            return "\(size)-gram rule: a document is contaminated when more than \(threshold) of its tokens lie in \(size)-grams it shares with one training row"
        case .exact:
            return "exact rule: a document is contaminated when its whole text (words, case and punctuation ignored) appears inside one user turn"
        }
    }
}

extension ContaminationResult {
    /// The form of the SmolTulu report's Tables 1, 4 and 13: per eval set, the share of its documents
    /// each training file contaminates, with the count.
    public func markdown() -> String {
        var lines: [String] = []
        let megabytes = Double(bytes.reduce(0, +)) / 1e6
        lines.append(rule.summary + ".")
        lines.append(String(format: "%d training rows (%.1f MB) read in %.2f s (%.0f MB/s), after %.2f s indexing %d eval documents.",
                            rows.reduce(0, +), megabytes, scanSeconds, megabytes / max(scanSeconds, 1e-9), indexSeconds, sets.reduce(0) { $0 + $1.texts.count }))
        lines.append("")
        var columns = trainFiles
        if trainFiles.count > 1 { columns.append("all") }
        lines.append("| eval set | documents | " + columns.joined(separator: " | ") + " |")
        lines.append("|---|---:|" + String(repeating: "---:|", count: columns.count))
        for (number, set) in sets.enumerated() {
            let scored = scoredDocuments(set: number)
            var cells: [String] = []
            for file in 0..<columns.count {
                let count = contaminated(set: number, file: file < trainFiles.count ? file : nil)
                cells.append(String(format: "%.2f %% (%d)", scored > 0 ? 100 * Double(count) / Double(scored) : 0, count))
            }
            lines.append("| \(set.name) | \(scored) | " + cells.joined(separator: " | ") + " |")
        }
        let notes = sets.indices.compactMap { number -> String? in
            var parts: [String] = []
            if emptyDocuments[number] > 0 { parts.append("\(emptyDocuments[number]) without any word (not counted)") }
            if shortDocuments[number] > 0 { parts.append("\(shortDocuments[number]) shorter than the n-gram (never contaminated by this rule; try --exact)") }
            return parts.isEmpty ? nil : "\(sets[number].name): " + parts.joined(separator: ", ")
        }
        if !notes.isEmpty { lines += [""] + notes }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The figures as JSON: rule, files, per-set counts and shares.
    public func summaryJSON() -> String {
        var ruleObject: [String: JSONValue]
        switch rule {
        case .ngram(let size, let threshold): ruleObject = ["mode": .string("ngram"), "ngram": .number(Double(size)), "threshold": .number(threshold)]
        case .exact: ruleObject = ["mode": .string("exact")]
        }
        let setObjects: [JSONValue] = sets.indices.map { number in
            let scored = scoredDocuments(set: number)
            var perFile: [String: JSONValue] = [:]
            for (file, path) in trainFiles.enumerated() {
                let count = contaminated(set: number, file: file)
                perFile[path] = .object(["contaminated": .number(Double(count)), "share": .number(scored > 0 ? Double(count) / Double(scored) : 0)])
            }
            return .object(["name": .string(sets[number].name), "documents": .number(Double(scored)),
                            "contaminated": .number(Double(contaminated(set: number))), "by_file": .object(perFile),
                            "shorter_than_ngram": .number(Double(shortDocuments[number]))])
        }
        let files: [JSONValue] = trainFiles.indices.map {
            .object(["path": .string(trainFiles[$0]), "rows": .number(Double(rows[$0])), "bytes": .number(Double(bytes[$0]))])
        }
        return JSONValue.object(["rule": .object(ruleObject), "train": .array(files), "eval": .array(setObjects),
                                 "pairs": .number(Double(pairs.count)),
                                 "index_seconds": .number(indexSeconds), "scan_seconds": .number(scanSeconds)]).compactJSON
    }

    /// One JSON line per contaminating pair: eval set, document index and text, training file and
    /// line, covered tokens of the document's tokens.
    public func pairLines() -> String {
        pairs.map { pair in
            JSONValue.object([
                "eval": .string(sets[pair.set].name), "document": .number(Double(pair.document)),
                "train": .string(trainFiles[pair.file]), "line": .number(Double(pair.line)),
                "covered_tokens": .number(Double(pair.coveredTokens)), "document_tokens": .number(Double(pair.documentTokens)),
                "text": .string(sets[pair.set].texts[pair.document]),
            ]).compactJSON + "\n"
        }.joined()
    }

    /// Writes the training rows of every file, in order, without the rows that contaminate some
    /// document (their lines copied byte for byte; blank lines dropped). Returns rows kept and removed.
    public func writeDecontaminated(to path: String) throws -> (kept: Int, removed: Int) {
        var drop = [Set<Int>](repeating: [], count: trainFiles.count)
        for pair in pairs { drop[pair.file].insert(pair.line) }
        var kept = 0, removed = 0
        do {
            try AtomicFile.write(to: path) { sink in
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 20)
                for (fileIndex, trainFile) in trainFiles.enumerated() {
                    let file = try MappedFile(path: trainFile)
                    try RowLines.forEach(in: file.bytes) { line, text in
                        if drop[fileIndex].contains(line) {
                            removed += 1
                            return true
                        }
                        kept += 1
                        buffer.append(contentsOf: text)
                        buffer.append(UInt8(ascii: "\n"))
                        if buffer.count >= 1 << 20 {
                            try buffer.withUnsafeBytes { try sink.write($0) }
                            buffer.removeAll(keepingCapacity: true)
                        }
                        return true
                    }
                }
                try buffer.withUnsafeBytes { try sink.write($0) }
            }
        } catch let error as CheckpointError {
            throw ContaminationError(error.description)
        }
        return (kept, removed)
    }
}
