// Torch already uses both cores inside each op; parallel test classes would only oversubscribe them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
