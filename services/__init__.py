"""Operations the web and the command line share (client side: they run in the web
or CLI process, talk to the store and to Temporal as a client, never in a worker)."""
