from articleqa.cli import main

main()
