using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LicensePortal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StaffDownloads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IssuedByStaff",
                table: "Licenses",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "ByStaff",
                table: "LicenseDownloads",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            // Rows from before the flag existed: marked by their account's role now, the best that is known of then (an
            // administrator's or support account's download of an instance it does not own). From here on the flag is
            // written with the download, as the account's role was at the time.
            migrationBuilder.Sql("""
                UPDATE "LicenseDownloads" SET "ByStaff" = 1
                WHERE EXISTS (
                    SELECT 1 FROM "AspNetUsers" u
                    JOIN "AspNetUserRoles" ur ON ur."UserId" = u."Id"
                    JOIN "AspNetRoles" r ON r."Id" = ur."RoleId"
                    WHERE u."UserName" = "LicenseDownloads"."UserName" AND r."Name" IN ('Administrator', 'Support')
                      AND u."Id" <> (SELECT i."OwnerId" FROM "Instances" i WHERE i."Id" = "LicenseDownloads"."InstanceId"))
                """);
            migrationBuilder.Sql("""
                UPDATE "Licenses" SET "IssuedByStaff" = 1
                WHERE EXISTS (
                    SELECT 1 FROM "AspNetUsers" u
                    JOIN "AspNetUserRoles" ur ON ur."UserId" = u."Id"
                    JOIN "AspNetRoles" r ON r."Id" = ur."RoleId"
                    WHERE u."UserName" = "Licenses"."IssuedByUserName" AND r."Name" IN ('Administrator', 'Support')
                      AND u."Id" <> (SELECT i."OwnerId" FROM "Instances" i WHERE i."Id" = "Licenses"."InstanceId"))
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "IssuedByStaff",
                table: "Licenses");

            migrationBuilder.DropColumn(
                name: "ByStaff",
                table: "LicenseDownloads");
        }
    }
}
