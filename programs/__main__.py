from programs.cli.main import main

main()
