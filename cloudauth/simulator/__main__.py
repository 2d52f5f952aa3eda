from cloudauth.simulator.cli import main

raise SystemExit(main())
