/// Where `Generator.generate(streaming:longestPrompt:)` takes its requests from and where it hands
/// each request's samples back.
public protocol GenerationFeed: AnyObject {
    /// Whether the generator may take requests before a slot is free for them, to prefill their
    /// prompts together (a fixed list: yes; a feed whose next answer depends on what came back: no).
    var prefetches: Bool { get }
    /// The next request to start, or nil when there is none for now. The generator asks again after
    /// each finished request, and ends when nothing decodes and this gives nil.
    func next() throws -> GenerationRequest?
    /// A request's samples in sample order, as soon as its last one ended; `ordinal` is the request's
    /// place in the order `next()` gave it (0, 1, …).
    func finished(_ samples: [GeneratedSample], ordinal: Int) throws
    /// True once the feed needs nothing more: the generation ends at once, the samples still
    /// decoding are dropped unreported.
    var isDone: Bool { get }
}

extension GenerationFeed {
    public var isDone: Bool { false }
}

/// A fixed list of requests, its samples collected in request order.
final class ListFeed: GenerationFeed {
    let requests: [GenerationRequest]
    private(set) var results: [[GeneratedSample]]
    private var taken = 0

    init(_ requests: [GenerationRequest]) {
        self.requests = requests
        results = Array(repeating: [], count: requests.count)
    }

    var prefetches: Bool { true }

    func next() -> GenerationRequest? {
        guard taken < requests.count else { return nil }
        defer { taken += 1 }
        return requests[taken]
    }

    func finished(_ samples: [GeneratedSample], ordinal: Int) {
        results[ordinal] = samples
    }
}
