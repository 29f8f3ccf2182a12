// Most classes here run the daemon on the CPU; in parallel they would only oversubscribe the cores and starve each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
