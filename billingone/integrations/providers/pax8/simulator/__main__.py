from billingone.integrations.providers.pax8.simulator.server import main

if __name__ == "__main__":
    main()
