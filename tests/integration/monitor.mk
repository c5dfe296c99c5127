# Integration tests of the container monitor (runtime/monitor/).
