"""The yearly processes, one module per step of the year, in the order
``SettlementModel.step()`` runs them:

1. ``jobs`` — firms' jobs by sector trend and local demand, hiring in the commuting region;
2. ``housing`` — prices, rents, construction, renters buying (startlån relaxes the credit
   limit);
3. ``moves`` — domestic moves, choosing by random utility (``choice``); the young's education
   moves (``students``); newcomers' onward moves (``newcomers``);
4. ``leaving`` — deaths and emigration;
5. ``arriving`` — births, ageing and immigration;
6. ``local`` — couples form, ties renew, services and schools follow the population.

``spinup`` runs the cycle for throwaway years before the first one.
"""
